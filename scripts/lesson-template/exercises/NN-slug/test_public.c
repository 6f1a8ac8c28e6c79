/* test_public.c - lesson @num@'s public tests: `make check` runs these. The
 * grader also runs hidden tests of the same kinds. The helpers (helper
 * threads, HARNESS_CHECK, the stall watch, the trace) are documented in
 * grader/harness/harness.h. */
#include "harness.h"
#include "@slug@.h"

START_TEST(adds_up)
{
    @slug@_t *c = @slug@_new();
    HARNESS_CHECK(c != NULL, "@slug@_new() returned NULL");
    HARNESS_CHECK(@slug@_total(c) == 0, "a new counter's total is %ld, expected 0",
                  @slug@_total(c));
    @slug@_add(c, 2);
    @slug@_add(c, 3);
    HARNESS_CHECK(@slug@_total(c) == 5, "0 + 2 + 3 gives a total of %ld", @slug@_total(c));
    @slug@_free(c);
}
END_TEST

typedef struct adder {
    @slug@_t *c;
    long times;
    long made; /* the additions the student's process made */
} adder;

/* Adds 1 a->times times in a row, in one batch that runs in the student's
 * process (harness_repeat: no round trip per call, a loop as tight as if
 * the test ran there). */
static void *add_many(void *p)
{
    adder *a = p;
    harness_repeat((uint64_t)a->times);
    @slug@_add(a->c, 1);
    a->made = (long)harness_repeat_results()->calls;
    return NULL;
}

/* Runs under ThreadSanitizer too: an addition without a lock is a data race. */
START_TEST(threads_lose_nothing)
{
    enum { T = 4 };
    long times = harness_under_tsan() ? 2000 : 100000;
    @slug@_t *c = @slug@_new();
    HARNESS_CHECK(c != NULL, "@slug@_new() returned NULL");
    adder a[T];
    pthread_t t[T];
    for (int i = 0; i < T; i++) {
        a[i] = (adder){ c, times, 0 };
        harness_thread_start(&t[i], add_many, &a[i]);
    }
    for (int i = 0; i < T; i++) {
        harness_thread_join(t[i]);
        HARNESS_CHECK(a[i].made == times, "thread %d asked for %ld additions and %ld were made",
                      i + 1, times, a[i].made);
    }
    HARNESS_CHECK(@slug@_total(c) == T * times,
                  "%d threads each added 1 %ld times: the total is %ld, not %ld. Additions "
                  "were lost: make each one indivisible (a mutex, or an atomic)",
                  T, times, @slug@_total(c), T * times);
    @slug@_free(c);
}
END_TEST

const graded_test public_tests[] = {
    GRADED(adds_up, "functional"),
    GRADED(threads_lose_nothing, "race"),
    { 0 }
};
