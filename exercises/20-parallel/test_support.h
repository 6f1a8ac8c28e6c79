/* test_support.h - lesson 20's test helpers, shared by the public tests,
 * the grader's hidden tests and test_remote.c: the arrays summed, the
 * Armstrong numbers, and what the tests learn of a call. Tests only;
 * nothing here is part of the lesson's API. The helpers every lesson may
 * use are in grader/harness/harness.h.
 */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include "parallel.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The arrays par_sum gets: ARRAY_ONE_TO_N is 1, 2, ..., n (the seed's sum
 * of 1..N); ARRAY_RANDOM holds seeded values of any sign, never 0, up to
 * 2^31 in size (their sum needs a long long). */
enum { ARRAY_ONE_TO_N, ARRAY_RANDOM };

#define MAX_SUM_N 4000000
#define MAX_CAP 64
/* What out[] holds where nothing was stored. */
#define OUT_UNSET 0x7eadbeefL

static inline int array_value(int kind, uint64_t seed, size_t i)
{
    if (kind == ARRAY_ONE_TO_N)
        return (int)(i + 1);
    uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (int)(uint32_t)(z | 1);
}

/* What came back from one par_sum call. */
typedef struct sum_report {
    int64_t result;        /* what par_sum returned */
    uint32_t unjoined_max; /* the most of its threads started and not yet joined at once */
    uint32_t spare;        /* 1: the grader's own code in your process failed, not yours */
    uint32_t ended;        /* its threads that ended, and their CPU time (from the start */
    uint64_t cpu_us_min, cpu_us_total; /* of the thread's function to its end) */
} sum_report;

/* What came back from one par_armstrong call, besides out[]. */
typedef struct arm_report {
    uint64_t count;       /* what par_armstrong returned */
    uint32_t forks;       /* processes your code forked during the call */
    uint32_t alive_max;   /* the most of them alive at once (fork to reap) */
    uint32_t alive_after; /* forked and never reaped by your code */
    uint32_t reaped;
    uint64_t cpu_us_min, cpu_us_total; /* CPU time of the reaped workers */
    uint64_t cpu_us_empty; /* of an empty process forked just before */
} arm_report;

/* Each worker's CPU time beyond what an empty process costs (fork, exit)
 * is at least an eighth of the mean: a split that gives one worker nearly
 * everything is caught however large a process's own cost is. */
static inline bool arm_fair(const arm_report *a)
{
    if (a->reaped == 0)
        return true;
    uint64_t e = a->cpu_us_empty;
    uint64_t min = a->cpu_us_min > e ? a->cpu_us_min - e : 0;
    uint64_t all = a->cpu_us_total > e * a->reaped ? a->cpu_us_total - e * a->reaped : 0;
    return min * a->reaped * 8 >= all;
}

/* The Armstrong numbers below 10^9, ascending. */
static const long armstrong_numbers[] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 153, 370, 371, 407, 1634, 8208, 9474, 54748, 92727, 93084,
    548834, 1741725, 4210818, 9800817, 9926315, 24678050, 24678051, 88593477, 146511208,
    472335975, 534494836, 912985153,
};
#define ARMSTRONG_COUNT (sizeof armstrong_numbers / sizeof armstrong_numbers[0])

#ifndef REMOTE_SUBJECT
#include "harness.h"

#include <stdio.h>

/* par_sum(a, n, threads) in your process, a[] of this kind and seed. */
long long sum_run(int kind, uint64_t seed, size_t n, size_t threads, sum_report *r);
/* par_armstrong(lo, hi, procs, out, cap) in your process; out[cap..cap+7]
 * are watched too: they must stay OUT_UNSET. */
size_t arm_run(long lo, long hi, size_t procs, long out[], size_t cap, arm_report *r);

static inline long long sum_expected(int kind, uint64_t seed, size_t n)
{
    long long s = 0;
    for (size_t i = 0; i < n; i++)
        s += array_value(kind, seed, i);
    return s;
}

/* par_sum's result is the sum; `what` names the call. */
/* par_sum on `workers` threads: either it started them all (the calling
 * thread only waits), or it started one fewer and the calling thread sums
 * a part too; either way every thread it started ran at the same time as
 * the others (started before any was joined). */
static inline void sum_threads_ok(const char *what, int created, uint32_t unjoined_max,
                                  size_t workers)
{
    int w = (int)workers;
    HARNESS_CHECK(created == w || created == w - 1, "%s started %d threads, expected %d (or %d, "
                  "with the calling thread summing a part too)", what, created, w, w - 1);
    HARNESS_CHECK((int)unjoined_max == created, "%s: at most %u of its %d threads were running "
                  "(started, not yet joined) at once, expected all of them: start every thread "
                  "before joining any", what, unjoined_max, created);
}

static inline void sum_ok(int kind, uint64_t seed, size_t n, long long got, const char *what)
{
    long long want = sum_expected(kind, seed, n);
    long long tail = 0; /* the sum without the last few elements */
    bool short_by_tail = false;
    for (size_t k = 1; k < 8 && k <= n && !short_by_tail; k++) {
        tail += array_value(kind, seed, n - k);
        short_by_tail = got == want - tail;
    }
    HARNESS_CHECK(got == want, "%s returned %lld, expected %lld%s", what, got, want,
                  short_by_tail ? " (it is the sum without the last elements: when n is not a "
                                  "multiple of the thread count, the remainder must be summed "
                                  "too)"
                  : got == 0 && n > 0 ? " (nothing was summed)"
                  : " (was an element added twice, or missed? the parts must cover every "
                    "element exactly once)");
}

/* par_armstrong stored exactly the Armstrong numbers of [lo, hi), the
 * smallest cap of them, ascending, and nothing past out[cap - 1]. */
static inline void arm_ok(long lo, long hi, size_t cap, size_t got, const long *out,
                          const char *what)
{
    long want[ARMSTRONG_COUNT];
    size_t n = 0;
    for (size_t k = 0; k < ARMSTRONG_COUNT; k++)
        if (armstrong_numbers[k] >= lo && armstrong_numbers[k] < hi && n < cap)
            want[n++] = armstrong_numbers[k];
    for (size_t k = cap; k < cap + 8; k++)
        HARNESS_CHECK(out[k] == OUT_UNSET, "%s wrote out[%zu] = %ld, past the %zu it may store "
                      "(cap): store at most cap numbers", what, k, out[k], cap);
    char list[512] = "";
    size_t used = 0;
    for (size_t k = 0; k < n && used + 16 < sizeof list; k++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%ld", k ? ", " : "", want[k]);
    bool has_hi = false, has_negative = false, has_zero = false;
    for (size_t k = 0; k < got && k < cap; k++) {
        has_hi = has_hi || out[k] == hi;
        has_negative = has_negative || out[k] < 0;
        has_zero = has_zero || out[k] == 0;
    }
    HARNESS_CHECK(got == n, "%s returned %zu, expected %zu (%s)%s", what, got, n, list,
                  has_hi ? ": the range is half-open, [lo, hi): hi itself is not scanned"
                  : has_negative ? ": negative numbers are never Armstrong numbers"
                  : lo <= 0 && hi > 0 && got > 0 && !has_zero ? ": 0 is one (0 = 0^1)"
                  : got == 0 ? ": none found" : got < n ? ": were some numbers not scanned (the "
                                                          "remainder of the split?)"
                  : got > cap ? ": at most cap are stored and counted" : "");
    bool ascending = true;
    for (size_t k = 1; k < got && k < cap; k++)
        ascending = ascending && out[k - 1] < out[k];
    for (size_t k = 0; k < n; k++) {
        if (out[k] == want[k])
            continue;
        bool later = false;
        for (size_t j = 0; j < n; j++)
            later = later || (j != k && out[k] == want[j]);
        HARNESS_CHECK(false, "%s: out[%zu] is %ld, expected %ld (the Armstrong numbers of "
                      "[%ld, %ld): %s)%s", what, k, out[k], want[k], lo, hi, list,
                      later && !ascending ? ": store them in ascending order, whatever process "
                                            "found them" : "");
    }
}
#endif

#endif
