/* test_public.c - lesson 20's public tests: `make check` runs these. The
 * grader also runs hidden tests of the same kinds. The arrays, the
 * Armstrong numbers and the checks are in test_support.h; the helpers
 * every lesson uses in grader/harness/harness.h.
 *
 * Parallelism is counted, never timed: the grader counts the threads your
 * par_sum started and how many of them were not yet joined at the same
 * moment, and the processes your par_armstrong forked, how many were alive
 * at once (fork to wait), and the CPU time each used (the kernel's count,
 * not a clock on the wall).
 */
#include "harness.h"
#include "test_support.h"

#include <string.h>

/* The seed's sum of 1..N, on 4 threads. */
START_TEST(sum_one_to_n)
{
    sum_report r;
    long long got = sum_run(ARRAY_ONE_TO_N, 0, 1000000, 4, &r);
    sum_ok(ARRAY_ONE_TO_N, 0, 1000000, got, "par_sum(1..1000000, 1000000, 4)");
}
END_TEST

/* n not a multiple of the thread count; threads == 0 is one thread. */
START_TEST(sum_remainder_and_zero_threads)
{
    sum_report r;
    uint64_t seed = harness_rand();
    long long got = sum_run(ARRAY_RANDOM, seed, 100003, 4, &r);
    sum_ok(ARRAY_RANDOM, seed, 100003, got, "par_sum(a, 100003, 4)");
    int before = harness_threads_created();
    got = sum_run(ARRAY_RANDOM, seed, 1001, 0, &r);
    int created = harness_threads_created() - before;
    sum_ok(ARRAY_RANDOM, seed, 1001, got, "par_sum(a, 1001, 0), 0 threads behaving as 1");
    HARNESS_CHECK(created <= 1, "par_sum(a, 1001, 0) started %d threads, expected 1 (0 threads "
                  "behaves as 1)", created);
    got = sum_run(ARRAY_RANDOM, seed, 0, 3, &r);
    HARNESS_CHECK(got == 0, "par_sum(a, 0, 3) returned %lld, expected 0", got);
}
END_TEST

/* The seed's Armstrong numbers below 100000, on 3 processes. */
START_TEST(armstrong_below_100000)
{
    long out[MAX_CAP + 8];
    arm_report r;
    size_t got = arm_run(0, 100000, 3, out, 40, &r);
    arm_ok(0, 100000, 40, got, out, "par_armstrong(0, 100000, 3, out, 40)");
    HARNESS_CHECK(r.alive_after == 0, "par_armstrong(0, 100000, 3, out, 40): %u of the %u "
                  "processes it forked were never reaped: waitpid each one", r.alive_after,
                  r.forks);
}
END_TEST

/* [lo, hi) is half-open, negatives are not Armstrong numbers, 0 is one,
 * and no more than cap are stored. */
START_TEST(armstrong_edges_and_cap)
{
    long out[MAX_CAP + 8];
    arm_report r;
    size_t got = arm_run(153, 371, 2, out, 10, &r);
    arm_ok(153, 371, 10, got, out, "par_armstrong(153, 371, 2, out, 10)");
    got = arm_run(-500, 10, 2, out, 20, &r);
    arm_ok(-500, 10, 20, got, out, "par_armstrong(-500, 10, 2, out, 20)");
    got = arm_run(0, 10000, 3, out, 5, &r);
    arm_ok(0, 10000, 5, got, out, "par_armstrong(0, 10000, 3, out, 5)");
    got = arm_run(0, 1000, 0, out, 20, &r);
    arm_ok(0, 1000, 20, got, out, "par_armstrong(0, 1000, 0, out, 20), 0 processes behaving as 1");
    HARNESS_CHECK(r.forks == 1, "par_armstrong(0, 1000, 0, out, 20) forked %u processes, "
                  "expected 1 (0 processes behaves as 1)", r.forks);
    got = arm_run(9475, 9475, 2, out, 5, &r);
    arm_ok(9475, 9475, 5, got, out, "par_armstrong(9475, 9475, 2, out, 5)");
}
END_TEST

/* A data race on a shared total: 4 threads, also under ThreadSanitizer. */
START_TEST(sum_without_a_race)
{
    sum_report r;
    uint64_t seed = harness_rand();
    size_t n = harness_under_tsan() ? 40000 : 400000;
    long long got = sum_run(ARRAY_RANDOM, seed, n, 4, &r);
    sum_ok(ARRAY_RANDOM, seed, n, got, "par_sum(a, n, 4)");
}
END_TEST

/* The results are the same for every count of workers; the Armstrong
 * numbers stay ascending whatever process found them. */
START_TEST(same_for_every_count)
{
    uint64_t seed = harness_rand();
    for (size_t t = 1; t <= 6; t++) {
        sum_report r;
        char what[64];
        snprintf(what, sizeof what, "par_sum(a, 30011, %zu)", t);
        sum_ok(ARRAY_RANDOM, seed, 30011, sum_run(ARRAY_RANDOM, seed, 30011, t, &r), what);
    }
    for (size_t p = 1; p <= 5; p++) {
        long out[MAX_CAP + 8];
        arm_report r;
        char what[64];
        snprintf(what, sizeof what, "par_armstrong(0, 9475, %zu, out, 30)", p);
        arm_ok(0, 9475, 30, arm_run(0, 9475, p, out, 30, &r), out, what);
    }
}
END_TEST

/* 4 threads all started before any is joined; 4 processes all alive at
 * once, each using a fair share of the CPU time. Counted, not timed. */
START_TEST(workers_side_by_side)
{
    sum_report r;
    uint64_t seed = harness_rand();
    int before = harness_threads_created();
    long long got = sum_run(ARRAY_RANDOM, seed, 200000, 4, &r);
    int created = harness_threads_created() - before;
    sum_ok(ARRAY_RANDOM, seed, 200000, got, "par_sum(a, 200000, 4)");
    sum_threads_ok("par_sum(a, 200000, 4)", created, r.unjoined_max, 4);

    long out[MAX_CAP + 8];
    arm_report a;
    const char *what = "par_armstrong(0, 8000000, 4, out, 40)";
    size_t n = arm_run(0, 8000000, 4, out, 40, &a);
    arm_ok(0, 8000000, 40, n, out, what);
    HARNESS_CHECK(a.forks == 4, "%s forked %u processes, expected 4", what, a.forks);
    HARNESS_CHECK(a.alive_max == 4, "%s: at most %u of its processes were alive at once (from "
                  "fork to waitpid), expected all 4: fork every worker before waiting for any",
                  what, a.alive_max);
    HARNESS_CHECK(a.alive_after == 0 && a.reaped == 4, "%s: %u of its processes were never "
                  "reaped", what, a.alive_after);
    HARNESS_CHECK(arm_fair(&a), "%s: the workers did unequal shares: the least busy used "
                  "%llu us of CPU time, of %llu us for all 4 (starting and ending a process "
                  "that does nothing costs about %llu us). Give each worker about a quarter "
                  "of the range", what, (unsigned long long)a.cpu_us_min,
                  (unsigned long long)a.cpu_us_total, (unsigned long long)a.cpu_us_empty);
}
END_TEST

const graded_test public_tests[] = {
    GRADED(sum_one_to_n, "functional"),
    GRADED(sum_remainder_and_zero_threads, "functional"),
    GRADED(armstrong_below_100000, "functional"),
    GRADED(armstrong_edges_and_cap, "functional"),
    GRADED(sum_without_a_race, "race"),
    GRADED(same_for_every_count, "ordering"),
    GRADED(workers_side_by_side, "timing"),
    { 0 }
};
