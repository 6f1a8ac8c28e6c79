/* batch.h - `grader batch`'s parts: the list of students to grade, the
 * scheduler that grades them in child processes, and the class files made
 * at the end (shared with `grader merge`). */
#ifndef BATCH_H
#define BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "course.h"

typedef struct student {
    char *id;       /* the subdirectory's name */
    char *dir;      /* SUBMISSIONS_DIR/id */
    char *hash;     /* submission_hash of what is on disk now */
    uint64_t results_hash; /* content hash of <out>/<id>.json as this batch saw it published
                              (0: not graded by this run) */
} student;

typedef struct batch_options {
    const course *c;
    const char *outdir;
    const char **lessons;
    size_t nlessons;
    unsigned jobs;
    unsigned lesson_jobs;   /* each grading's --jobs (1: students fill the cores) */
    unsigned cap_s;         /* wall-clock cap per student */
    bool have_seed;
    uint64_t seed;
} batch_options;

/* Grades every student whose <outdir>/<id>.json is absent or for other
 * files. Returns 0 when done, 128+signal when interrupted, 1 on failure. */
int batch_run(const batch_options *o, student *students, size_t n);

/* Path of a student's results file; malloc'd. */
char *student_json_path(const char *outdir, const char *id);

/* True when <outdir>/<id>.json exists and was made from files with `hash`. */
bool already_graded(const char *outdir, const char *id, const char *hash);

/* The results file of a student whose grading failed (every selected lesson
 * "error", score 0, `reason` in "grading_error"). */
void batch_write_error_doc(const batch_options *o, const student *s, const char *reason);

/* Re-validates every student's results file before the class files use it
 * (batch_check.c); one that fails becomes an error document. */
void batch_check_results(const batch_options *o, student *students, size_t n);

/* Appends a line to <outdir>/batch.log (the audit trail of a batch). */
void batch_log(const char *outdir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Summary files from the students' JSONs in `dirs`, written to `outdir`;
 * with a format other than native, also <outdir>/<format>/<id>.json. */
int batch_finish(const char *const *dirs, size_t ndirs, const char *outdir, const char *format);

#endif
