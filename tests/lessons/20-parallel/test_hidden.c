/* test_hidden.c - lesson 20's hidden tests (not in the student handout):
 * larger sums on more threads, more items than a thread count divides,
 * fewer items than threads, ranges whose last Armstrong number sits in the
 * remainder of the split, more procs than numbers, the race on 8 threads,
 * and the side-by-side counts on 3 and 6 workers.
 * Helpers: test_support.h and grader/harness/harness.h. */
#include "harness.h"
#include "test_support.h"

#include <string.h>

/* Sums where the remainder matters; fewer elements than threads. */
START_TEST(sums_hidden)
{
    sum_report r;
    uint64_t seed = harness_rand();
    sum_ok(ARRAY_RANDOM, seed, 2000003, sum_run(ARRAY_RANDOM, seed, 2000003, 7, &r),
           "par_sum(a, 2000003, 7)");
    sum_ok(ARRAY_RANDOM, seed, 3, sum_run(ARRAY_RANDOM, seed, 3, 8, &r), "par_sum(a, 3, 8)");
    sum_ok(ARRAY_ONE_TO_N, 0, 99999, sum_run(ARRAY_ONE_TO_N, 0, 99999, 2, &r),
           "par_sum(1..99999, 99999, 2)");
}
END_TEST

/* The last Armstrong number is in the remainder of the split. */
START_TEST(armstrong_remainder)
{
    long out[MAX_CAP + 8];
    arm_report r;
    size_t got = arm_run(0, 9475, 4, out, 30, &r);
    arm_ok(0, 9475, 30, got, out, "par_armstrong(0, 9475, 4, out, 30)");
    got = arm_run(1000, 54749, 3, out, 30, &r);
    arm_ok(1000, 54749, 30, got, out, "par_armstrong(1000, 54749, 3, out, 30)");
    got = arm_run(405, 409, 6, out, 30, &r);
    arm_ok(405, 409, 30, got, out, "par_armstrong(405, 409, 6, out, 30)");
    HARNESS_CHECK(r.alive_after == 0, "par_armstrong(405, 409, 6, out, 30): %u processes never "
                  "reaped", r.alive_after);
}
END_TEST

/* Edges again: a range of negatives only, hi an Armstrong number, cap 1. */
START_TEST(armstrong_edges_hidden)
{
    long out[MAX_CAP + 8];
    arm_report r;
    size_t got = arm_run(-100000, 0, 3, out, 10, &r);
    arm_ok(-100000, 0, 10, got, out, "par_armstrong(-100000, 0, 3, out, 10)");
    got = arm_run(10, 1634, 2, out, 10, &r);
    arm_ok(10, 1634, 10, got, out, "par_armstrong(10, 1634, 2, out, 10)");
    got = arm_run(-20, 100000, 4, out, 1, &r);
    arm_ok(-20, 100000, 1, got, out, "par_armstrong(-20, 100000, 4, out, 1)");
}
END_TEST

/* 8 threads on one array, also under ThreadSanitizer. */
START_TEST(sum_without_a_race_8)
{
    sum_report r;
    uint64_t seed = harness_rand();
    size_t n = harness_under_tsan() ? 80021 : 800021;
    sum_ok(ARRAY_RANDOM, seed, n, sum_run(ARRAY_RANDOM, seed, n, 8, &r), "par_sum(a, n, 8)");
}
END_TEST

/* Every count gives the same numbers, ascending. */
START_TEST(same_for_every_count_hidden)
{
    for (size_t p = 1; p <= 7; p++) {
        long out[MAX_CAP + 8];
        arm_report r;
        char what[64];
        snprintf(what, sizeof what, "par_armstrong(100, 100000, %zu, out, 40)", p);
        arm_ok(100, 100000, 40, arm_run(100, 100000, p, out, 40, &r), out, what);
    }
}
END_TEST

static void side_by_side(size_t workers)
{
    sum_report r;
    uint64_t seed = harness_rand();
    int before = harness_threads_created();
    long long got = sum_run(ARRAY_RANDOM, seed, 300007, workers, &r);
    int created = harness_threads_created() - before;
    char what[64];
    snprintf(what, sizeof what, "par_sum(a, 300007, %zu)", workers);
    sum_ok(ARRAY_RANDOM, seed, 300007, got, what);
    sum_threads_ok(what, created, r.unjoined_max, workers);
    long out[MAX_CAP + 8];
    arm_report a;
    snprintf(what, sizeof what, "par_armstrong(0, 6000000, %zu, out, 40)", workers);
    size_t n = arm_run(0, 6000000, workers, out, 40, &a);
    arm_ok(0, 6000000, 40, n, out, what);
    HARNESS_CHECK(a.forks == workers && a.alive_max == workers, "%s forked %u processes, at "
                  "most %u alive at once, expected %zu, all alive at once: fork every worker "
                  "before waiting for any", what, a.forks, a.alive_max, workers);
    HARNESS_CHECK(arm_fair(&a), "%s: the workers did unequal shares: the least busy used "
                  "%llu us of CPU time, of %llu us for all (starting and ending a process that "
                  "does nothing costs about %llu us). Give each worker a fair share of the "
                  "range", what, (unsigned long long)a.cpu_us_min,
                  (unsigned long long)a.cpu_us_total, (unsigned long long)a.cpu_us_empty);
}

/* Each of par_sum's threads sums a fair share: its CPU time (from its
 * function's start to its end, which the machine's load does not change)
 * is at least an eighth of the mean. A split that gives one thread nearly
 * everything has the right sum and all threads alive at once, but is not
 * parallel. */
START_TEST(fair_share_threads)
{
    sum_report r;
    uint64_t seed = harness_rand();
    size_t n = MAX_SUM_N, workers = 4;
    int before = harness_threads_created();
    long long got = sum_run(ARRAY_RANDOM, seed, n, workers, &r);
    int created = harness_threads_created() - before;
    sum_ok(ARRAY_RANDOM, seed, n, got, "par_sum(a, 4000000, 4)");
    sum_threads_ok("par_sum(a, 4000000, 4)", created, r.unjoined_max, workers);
    HARNESS_CHECK(r.ended == (uint32_t)created, "par_sum(a, 4000000, 4): %u of its %d threads "
                  "had ended when it returned", r.ended, created);
    HARNESS_CHECK(r.cpu_us_min * (uint64_t)created * 8 >= r.cpu_us_total, "par_sum(a, 4000000, "
                  "4): one thread used %llu us of CPU time out of %llu us for all %d: each "
                  "must sum a fair share (about a quarter)",
                  (unsigned long long)r.cpu_us_min, (unsigned long long)r.cpu_us_total, created);
}
END_TEST

/* 3 and 6 workers side by side. */
START_TEST(workers_side_by_side_hidden)
{
    side_by_side(3);
    side_by_side(6);
}
END_TEST

const graded_test hidden_tests[] = {
    GRADED(sums_hidden, "functional"),
    GRADED(armstrong_remainder, "functional"),
    GRADED(armstrong_edges_hidden, "functional"),
    GRADED(sum_without_a_race_8, "race"),
    GRADED(same_for_every_count_hidden, "ordering"),
    GRADED(workers_side_by_side_hidden, "timing"),
    GRADED(fair_share_threads, "timing"),
    { 0 }
};
