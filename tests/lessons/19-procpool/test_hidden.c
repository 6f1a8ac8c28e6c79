/* test_hidden.c - lesson 19's hidden tests (not in the student handout):
 * the seed's Pool(5) on 500 items, one worker, the slow first item on two
 * workers, every worker together when there are as many items as workers,
 * a crash on the first and on the last item.
 * Helpers: test_support.h and grader/harness/harness.h. */
#include "harness.h"
#include "test_support.h"

#include <errno.h>
#include <string.h>

/* Pool(5).map(is_prime, 500 numbers): 5 forks, 500 results. */
START_TEST(pool_of_five)
{
    static long out[500];
    pool_report r;
    uint64_t seed = harness_rand();
    const char *what = "procpool_map(5, fn, in, out, 500)";
    int rc = pool_run(5, 500, FN_PRIME, seed, 0, out, &r);
    report_ok(&r, what);
    HARNESS_CHECK(rc == 0, "%s returned %s, expected 0", what, RC_TEXT(rc));
    results_ok(seed, 500, out, what);
    forks_ok(&r, 5, true, what);
    no_children_left(&r, what);
}
END_TEST

/* One worker runs every item. */
START_TEST(one_worker)
{
    long out[20];
    pool_report r;
    uint64_t seed = harness_rand();
    const char *what = "procpool_map(1, fn, in, out, 20)";
    int rc = pool_run(1, 20, FN_PRIME, seed, 0, out, &r);
    report_ok(&r, what);
    HARNESS_CHECK(rc == 0, "%s returned %s, expected 0", what, RC_TEXT(rc));
    results_ok(seed, 20, out, what);
    forks_ok(&r, 1, true, what);
    HARNESS_CHECK(r.fn_pids == 1 && r.fn_calls == 20, "%s: %u processes made %u calls of fn, "
                  "expected 1 worker making 20", what, r.fn_pids, r.fn_calls);
    no_children_left(&r, what);
}
END_TEST

/* The first item's result comes last, two workers, an odd count. */
START_TEST(first_result_last_two_workers)
{
    long out[11];
    pool_report r;
    uint64_t seed = harness_rand();
    const char *what = "procpool_map(2, fn, in, out, 11), fn(in[0]) the slowest";
    int rc = pool_run(2, 11, FN_FIRST_SLOW, seed, 0, out, &r);
    report_ok(&r, what);
    HARNESS_CHECK(rc == 0, "%s returned %s, expected 0", what, RC_TEXT(rc));
    results_ok(seed, 11, out, what);
    no_children_left(&r, what);
}
END_TEST

static void together(size_t workers, size_t n)
{
    long out[16];
    pool_report r;
    uint64_t seed = harness_rand();
    char what[64];
    snprintf(what, sizeof what, "procpool_map(%zu, fn, in, out, %zu)", workers, n);
    int rc = pool_run(workers, n, FN_TOGETHER, seed, 0, out, &r);
    report_ok(&r, what);
    HARNESS_CHECK(rc == 0, "%s returned %s, expected 0", what, RC_TEXT(rc));
    results_ok(seed, n, out, what);
    forks_ok(&r, workers, true, what);
    HARNESS_CHECK(r.alive_max == workers, "%s: at most %u of its workers were alive at once "
                  "(from fork to waitpid), expected all %zu", what, r.alive_max, workers);
    HARNESS_CHECK(r.fn_pids == workers && r.fn_min >= 1, "%s: %u processes ran fn (the fewest "
                  "items one ran: %u), expected each of the %zu workers to run some", what,
                  r.fn_pids, r.fn_min, workers);
    HARNESS_CHECK(r.together, "%s: the %zu workers were never all inside fn at the same time "
                  "(fn waited 2 s for them): the workers must run side by side", what, workers);
    no_children_left(&r, what);
}

/* As many items as workers, then two workers on 9 items. */
START_TEST(workers_run_together_hidden)
{
    together(5, 5);
    together(2, 9);
}
END_TEST

static void dies(size_t workers, size_t n, size_t crash_at)
{
    long out[16];
    pool_report r;
    char what[96];
    snprintf(what, sizeof what, "procpool_map(%zu, fn, in, out, %zu), fn(in[%zu]) crashing its "
             "worker", workers, n, crash_at);
    int rc = pool_run(workers, n, FN_CRASHES, harness_rand(), crash_at, out, &r);
    report_ok(&r, what);
    HARNESS_CHECK(!r.hung, "%s had not returned 3 s after the crash (the grader then killed "
                  "your workers): a dead worker must make the map return ECHILD, not hang", what);
    HARNESS_CHECK(rc == ECHILD, "%s returned %s, expected ECHILD (%d)", what, RC_TEXT(rc), ECHILD);
    no_children_left(&r, what);
}

/* The first item's worker dies; then the last item's. */
START_TEST(first_and_last_item_crash)
{
    dies(2, 16, 0);
    dies(4, 13, 12);
}
END_TEST

const graded_test hidden_tests[] = {
    GRADED(pool_of_five, "functional"),
    GRADED(one_worker, "functional"),
    GRADED(first_result_last_two_workers, "ordering"),
    GRADED(workers_run_together_hidden, "timing"),
    GRADED(first_and_last_item_crash, "deadlock"),
    { 0 }
};
