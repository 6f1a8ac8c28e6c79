/* results_json.h - the native results document, piece by piece (schema:
 * grader/schema/results.schema.json). grade.c decides what goes in; this
 * file is the only one that knows the field names of a grading.
 */
#ifndef RESULTS_JSON_H
#define RESULTS_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "course.h"
#include "runtest.h"

#define GRADER_VERSION "0.1.0"
#define SCHEMA_VERSION 1

/* The most bytes of any message in the JSON (a test's, a lesson's). */
#define MESSAGE_MAX 8000

/* A JSON string of `s` (NULL: ""), valid UTF-8 and at most `max` bytes (see
 * safetext.h): the way text from a test, a tool or the compiler enters the
 * JSON. */
json_t *json_text(const char *s, size_t max);

/* A failure's timeline (lines, "\n" between them) as the test's compact
 * "timeline" field: an array of strings, one event each, oldest first. */
#define TIMELINE_LINE_MAX 240
json_t *results_timeline(const char *lines);
/* The array back to lines (NULL when empty or not an array). malloc'd. */
char *results_timeline_lines(json_t *array);

/* A lesson with no tests yet: status ("graded", "missing", "compile_error",
 * "forbidden", "error"), score 0, its maximum, an optional message. */
json_t *results_lesson(const lesson *l, const char *status, const char *message);

/* One test's entry; `score` and `max` are its points, `seed` the schedule
 * seed to report (the failing run's for a failure). */
json_t *results_test(const test_info *t, const test_outcome *out, double score, double max,
                     uint64_t seed);

/* The document around the lessons. */
json_t *results_document(bool public_only, const char *submission, const char *graded_at,
                         uint64_t seed, double score, double max, json_t *lessons);

/* The "sandbox" object: what isolation was in force. */
json_t *sandbox_json(void);
/* One warning line on `to` when the sandbox cannot protect the grader's
 * files from the student's code (sandbox.results_protected is false). */
void sandbox_warn_unprotected(FILE *to);

#endif
