/* grade.h - grade one submission: every selected lesson built, tested and
 * scored, as a native JSON document (see grader/schema/results.schema.json).
 */
#ifndef GRADE_H
#define GRADE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "course.h"

typedef struct grade_options {
    const course *c;
    const char *submission;  /* directory of slug.c files, flat or in NN-slug/ */
    const char **lessons;    /* ids or slugs; NULL or empty: every lesson */
    size_t nlessons;
    bool public_only;        /* the student's `make check`: public tests only */
    uint64_t seed;
    const char *only_test;   /* run just this test (replay); NULL: all */
    unsigned only_categories; /* bit (1u << category) per category to run; 0: all */
    bool quiet;              /* no progress lines on stderr */
    unsigned jobs;           /* lessons graded at once; 0: the number of cores */
} grade_options;

/* Returns the native results document (never NULL). Each lesson is graded
 * in a child process, o->jobs at once; the document and the progress lines
 * are the same whatever o->jobs is. A lesson whose child died is an `error`
 * lesson with a message. */
json_t *grade_submission(const grade_options *o);

#endif
