/* runtest.h - run one test of a built lesson in the sandbox, as many times
 * as verdict.c's rules ask, and collect the evidence of each run (what the
 * student's code cannot forge) for verdict.c to judge.
 */
#ifndef RUNTEST_H
#define RUNTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "course.h"
#include "verdict.h"

typedef struct test_info {
    char *name;
    int category;
    unsigned timeout_ms;
    bool hidden;
    bool virtual_time; /* GRADED_VIRTUAL: in virtual time from its first line */
} test_info;


typedef struct run_context {
    const lesson *l;
    const char *workdir;
    const char *bin;
    const char *bin_tsan;  /* NULL: no ThreadSanitizer run */
    const char *judge;     /* the tests: runs beside each subject run */
    uint64_t seed;
    /* Where the sandbox is weak (results not protected: no namespaces, the
     * same user), an earlier run could rewrite the binaries. There, their
     * content hashes are taken right after the build, and a binary that
     * changed since is never run again; elsewhere nothing can write them,
     * and re-reading some 4 MB before each run cost up to a tenth of a
     * grading's CPU. */
    bool check_binaries;
    uint64_t bin_hash;
    uint64_t bin_tsan_hash;
    uint64_t judge_hash;
    unsigned parallel_runs; /* >1: a test's runs may go side by side (spare cores) */
} run_context;

/* Asks the judge which tests it has. Returns 0, or -1 with *err set. */
int list_tests(const run_context *ctx, test_info **tests, size_t *n, char **err);
void free_tests(test_info *tests, size_t n);

/* Runs one test: its runs (re-runs, other schedules, ThreadSanitizer) as
 * verdict.c's rules ask; `out` is the test's verdict (free it with
 * test_outcome_free). */
void run_test(const run_context *ctx, const test_info *t, test_outcome *out);

/* A test's verdict as JSON and back (to send it from a child process); a
 * NULL document gives a failed verdict with `failure` as its message. */
json_t *test_outcome_to_json(const test_outcome *out);
void test_outcome_from_json(json_t *j, const char *failure, test_outcome *out);

#endif
