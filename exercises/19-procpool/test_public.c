/* test_public.c - lesson 19's public tests: `make check` runs these. The
 * grader also runs hidden tests of the same kinds. What fn does and the
 * checks of a call are in test_support.h; the helpers every lesson uses in
 * grader/harness/harness.h.
 *
 * fn is one of the grader's own functions, run by your workers in your
 * process: it counts which processes ran it and how many items each ran.
 * The grader also counts your forks and waits. Nothing here reads a clock
 * to grade you: a pool is a number of forks, parallel workers are workers
 * inside fn at the same time.
 */
#include "harness.h"
#include "test_support.h"

#include <errno.h>
#include <string.h>

/* pool.map(is_prime, items) on 4 workers: 40 results, 4 forks. */
START_TEST(map_on_four_workers)
{
    long out[40];
    pool_report r;
    uint64_t seed = harness_rand();
    const char *what = "procpool_map(4, fn, in, out, 40)";
    int rc = pool_run(4, 40, FN_PRIME, seed, 0, out, &r);
    report_ok(&r, what);
    HARNESS_CHECK(rc == 0, "%s returned %s, expected 0", what, RC_TEXT(rc));
    results_ok(seed, 40, out, what);
    forks_ok(&r, 4, true, what);
    no_children_left(&r, what);
}
END_TEST

/* workers == 0 is EINVAL, n == 0 returns 0; neither forks. */
START_TEST(zero_workers_and_no_items)
{
    long out[4];
    pool_report r;
    int rc = pool_run(0, 4, FN_PRIME, 1, 0, out, &r);
    report_ok(&r, "procpool_map(0, fn, in, out, 4)");
    HARNESS_CHECK(rc == EINVAL, "procpool_map(0, fn, in, out, 4) returned %s, expected EINVAL "
                  "(%d): a pool of no workers", RC_TEXT(rc), EINVAL);
    HARNESS_CHECK(r.forks == 0, "procpool_map(0, fn, in, out, 4) forked %u processes, expected "
                  "none", r.forks);
    no_children_left(&r, "procpool_map(0, fn, in, out, 4)");
    rc = pool_run(3, 0, FN_PRIME, 1, 0, out, &r);
    report_ok(&r, "procpool_map(3, fn, in, out, 0)");
    HARNESS_CHECK(rc == 0, "procpool_map(3, fn, in, out, 0) returned %s, expected 0",
                  RC_TEXT(rc));
    HARNESS_CHECK(r.forks == 0, "procpool_map(3, fn, in, out, 0) forked %u processes: with no "
                  "items, return 0 without forking", r.forks);
    no_children_left(&r, "procpool_map(3, fn, in, out, 0)");
}
END_TEST

/* More workers than items: at most `workers` forks, right results. */
START_TEST(more_workers_than_items)
{
    long out[3];
    pool_report r;
    uint64_t seed = harness_rand();
    const char *what = "procpool_map(6, fn, in, out, 3)";
    int rc = pool_run(6, 3, FN_PRIME, seed, 0, out, &r);
    report_ok(&r, what);
    HARNESS_CHECK(rc == 0, "%s returned %s, expected 0", what, RC_TEXT(rc));
    results_ok(seed, 3, out, what);
    forks_ok(&r, 6, false, what);
    no_children_left(&r, what);
}
END_TEST

/* The first item's result comes last: out[] stays in the order of in[]. */
START_TEST(first_result_last)
{
    long out[30];
    pool_report r;
    uint64_t seed = harness_rand();
    const char *what = "procpool_map(3, fn, in, out, 30), fn(in[0]) the slowest";
    int rc = pool_run(3, 30, FN_FIRST_SLOW, seed, 0, out, &r);
    report_ok(&r, what);
    HARNESS_CHECK(rc == 0, "%s returned %s, expected 0", what, RC_TEXT(rc));
    results_ok(seed, 30, out, what);
    no_children_left(&r, what);
}
END_TEST

/* Every worker inside fn at once: 4 workers, all alive together, each
 * running some of the items. Counted, not timed. */
START_TEST(workers_run_together)
{
    long out[24];
    pool_report r;
    uint64_t seed = harness_rand();
    const char *what = "procpool_map(4, fn, in, out, 24)";
    int rc = pool_run(4, 24, FN_TOGETHER, seed, 0, out, &r);
    report_ok(&r, what);
    HARNESS_CHECK(rc == 0, "%s returned %s, expected 0", what, RC_TEXT(rc));
    results_ok(seed, 24, out, what);
    forks_ok(&r, 4, true, what);
    HARNESS_CHECK(r.alive_max == 4, "%s: at most %u of its workers were alive at once (from fork "
                  "to waitpid), expected all 4: fork every worker before waiting for any",
                  what, r.alive_max);
    HARNESS_CHECK(r.fn_pids == 4 && r.fn_min >= 1, "%s: %u processes ran fn (the fewest items "
                  "one ran: %u), expected each of the 4 workers to run some", what, r.fn_pids,
                  r.fn_min);
    HARNESS_CHECK(r.together, "%s: the 4 workers were never all inside fn at the same time "
                  "(fn waited 2 s for them): give every worker its items at once, and do not "
                  "wait for one worker's result before the next worker starts", what);
    no_children_left(&r, what);
}
END_TEST

/* A worker crashes on one item: ECHILD, soon, and no worker left. */
START_TEST(dead_worker_is_an_error)
{
    long out[30];
    pool_report r;
    uint64_t seed = harness_rand();
    size_t crash_at = (size_t)(harness_rand() % 30);
    char what[96];
    snprintf(what, sizeof what, "procpool_map(3, fn, in, out, 30), fn(in[%zu]) crashing its "
             "worker", crash_at);
    int rc = pool_run(3, 30, FN_CRASHES, seed, crash_at, out, &r);
    report_ok(&r, what);
    HARNESS_CHECK(!r.hung, "%s had not returned 3 s after the crash (the grader then killed "
                  "your workers): notice a worker's death (end of file on its pipe, or "
                  "waitpid) and return ECHILD instead of waiting for its result", what);
    HARNESS_CHECK(rc == ECHILD, "%s returned %s, expected ECHILD (%d)", what, RC_TEXT(rc), ECHILD);
    no_children_left(&r, what);
}
END_TEST

const graded_test public_tests[] = {
    GRADED(map_on_four_workers, "functional"),
    GRADED(zero_workers_and_no_items, "functional"),
    GRADED(more_workers_than_items, "functional"),
    GRADED(first_result_last, "ordering"),
    GRADED(workers_run_together, "timing"),
    GRADED(dead_worker_is_an_error, "deadlock"),
    { 0 }
};
