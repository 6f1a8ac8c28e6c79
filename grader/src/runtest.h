/* runtest.h - run one test of a built lesson in the sandbox and decide, from
 * evidence the student's code cannot forge, how it went.
 */
#ifndef RUNTEST_H
#define RUNTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "course.h"

enum test_status { TEST_PASSED, TEST_FAILED, TEST_TIMEOUT, TEST_CRASHED };
extern const char *const test_status_names[];

typedef struct test_info {
    char *name;
    int category;
    unsigned timeout_ms;
    bool hidden;
} test_info;

typedef struct test_outcome {
    enum test_status status;
    char *message;       /* for the student: what went wrong, where */
    double duration_ms;
    int attempts;        /* >1 when a timing failure was re-run */
    bool tsan_run;       /* the verdict includes a ThreadSanitizer run */
    uint64_t seed;       /* the schedule seed of the run that decided the verdict */
    bool engine_found;   /* the engine saw a deadlock or a lock-order inversion */
} test_outcome;

typedef struct run_context {
    const lesson *l;
    const char *workdir;
    const char *bin;
    const char *bin_tsan;  /* NULL: no ThreadSanitizer run */
    uint64_t seed;
    uint64_t bin_hash;     /* content hashes taken right after the build: a */
    uint64_t bin_tsan_hash; /* binary that changed since is never run again */
} run_context;

/* Asks the binary which tests it has. Returns 0, or -1 with *err set. */
int list_tests(const run_context *ctx, test_info **tests, size_t *n, char **err);
void free_tests(test_info *tests, size_t n);

/* Runs one test (and its ThreadSanitizer run where it applies). */
void run_test(const run_context *ctx, const test_info *t, test_outcome *out);
void test_outcome_free(test_outcome *o);

#endif
