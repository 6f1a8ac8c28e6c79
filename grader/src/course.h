/* course.h - the course on disk: its lessons, their metadata, their test
 * sources, and where a submission keeps each lesson's file.
 *
 * A lesson is one folder, exercises/NN-slug/: the folder gives the id and the
 * slug, the header slug.h gives the API (its prototypes), and lesson.json
 * holds only the rest (title, points per category, time limits, forbidden
 * calls, network, tsan, tsan_ignore). Nothing else lists the lessons.
 */
#ifndef COURSE_H
#define COURSE_H

#include <stdbool.h>
#include <stddef.h>

enum category { CAT_FUNCTIONAL, CAT_RACE, CAT_DEADLOCK, CAT_ORDERING, CAT_TIMING, NCAT };

extern const char *const category_names[NCAT];

/* -1 for an unknown name: an error wherever a category is declared (a
 * lesson.json's points, a test's table entry). */
int category_from_name(const char *name);

typedef struct lesson {
    char *id;            /* "02-bank" */
    char *slug;          /* "bank" */
    char *title;
    char *dir;           /* <course>/exercises/02-bank */
    char *public_tests;  /* <dir>/test_public.c */
    char *hidden_tests;  /* <course>/tests/lessons/02-bank/test_hidden.c, or NULL */
    char *remote;        /* <dir>/test_remote.c: the API between judge and subject */
    double points[NCAT];
    unsigned test_timeout_ms;
    unsigned compile_timeout_ms;
    char **api;          /* the global symbols the student's file must define: the
                          * functions slug.h declares (header_api.h) */
    size_t napi;
    char **forbidden;    /* calls rejected at build time (besides the course-wide list) */
    size_t nforbidden;
    char **tsan_ignore;  /* ThreadSanitizer report kinds that are not faults here */
    size_t ntsan_ignore;
    bool network;
    bool tsan;           /* race and deadlock tests also run under ThreadSanitizer */
} lesson;

typedef struct course {
    char *root;
    lesson *lessons;
    size_t nlessons;
} course;

/* Loads every lesson folder exercises/NN-slug/ (with a lesson.json) under
 * `root`. On error (an unreadable or unknown lesson.json field, an unknown
 * category, an `id` or `api` that disagrees with the folder or the header)
 * returns -1 with a message in err. */
int course_load(course *c, const char *root, char *err, size_t errlen);
void course_free(course *c);

const lesson *course_find(const course *c, const char *id_or_slug);

/* The submission's file for this lesson: DIR/NN-slug/slug.c or DIR/slug.c.
 * malloc'd path, or NULL when the submission has none. */
char *submission_file(const char *dir, const lesson *l);

/* For the commands: loads the course at `root_opt` (NULL: the default root)
 * and checks that every name in `lessons` is one of its lessons. Prints what
 * is wrong and returns the command's exit status: 0 (loaded), 1 (the course
 * could not be loaded), 2 (an unknown lesson: bad usage). */
int course_open(course *c, const char *root_opt, const char *const *lessons, size_t nlessons);

/* The course root: $GRADER_COURSE, else the directory above the one holding
 * the grader binary (build/grader -> .). malloc'd. */
char *course_default_root(void);

#endif
