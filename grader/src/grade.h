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
    bool quiet;              /* no progress lines on stderr */
} grade_options;

/* Returns the native results document (never NULL). */
json_t *grade_submission(const grade_options *o);

/* The JSON "sandbox" object describing the isolation in force. */
json_t *sandbox_json(void);

#define GRADER_VERSION "0.1.0"
#define SCHEMA_VERSION 1

#endif
