/* test_hidden.c - lesson @num@'s hidden tests (not in the student handout).
 * Helpers: grader/harness/harness.h. */
#include "harness.h"
#include "@slug@.h"

START_TEST(negative_additions)
{
    @slug@_t *c = @slug@_new();
    HARNESS_CHECK(c != NULL, "@slug@_new() returned NULL");
    @slug@_add(c, 10);
    @slug@_add(c, -25);
    HARNESS_CHECK(@slug@_total(c) == -15, "0 + 10 - 25 gives a total of %ld", @slug@_total(c));
    @slug@_free(c);
}
END_TEST

typedef struct mixer {
    @slug@_t *c;
    long sign, times;
    long sum;     /* what this thread added in all */
    long missing; /* additions asked for in a batch and not made */
} mixer;

/* Additions of 1 to 7 (or -1 to -7), in batches of 1 to 64 equal ones that
 * run back to back in the student's process (harness_repeat); every
 * addition made is counted. */
static void *add_and_take(void *p)
{
    mixer *m = p;
    for (long i = 0; i < m->times;) {
        unsigned long x = (unsigned long)i * 2654435761u;
        long n = m->sign * (1 + (long)(x >> 7) % 7);
        long batch = 1 + (long)(x >> 13) % 64;
        if (batch > m->times - i)
            batch = m->times - i;
        harness_repeat((uint64_t)batch);
        @slug@_add(m->c, n);
        long made = (long)harness_repeat_results()->calls;
        m->sum += n * made;
        if (made != batch) {
            m->missing = batch - made;
            break;
        }
        i += made;
    }
    return NULL;
}

/* Threads adding and taking away while another reads: the reads must be
 * protected too (ThreadSanitizer). */
START_TEST(reads_while_adding)
{
    enum { T = 3 };
    long times = harness_under_tsan() ? 1000 : 50000;
    @slug@_t *c = @slug@_new();
    HARNESS_CHECK(c != NULL, "@slug@_new() returned NULL");
    mixer m[T];
    pthread_t t[T];
    for (int i = 0; i < T; i++) {
        m[i] = (mixer){ c, i % 2 ? -1 : 1, times, 0, 0 };
        harness_thread_start(&t[i], add_and_take, &m[i]);
    }
    /* 1000 reads in a row meanwhile: a read without the lock is a data race. */
    harness_repeat(1000);
    (void)@slug@_total(c);
    long want = 0;
    for (int i = 0; i < T; i++) {
        harness_thread_join(t[i]);
        want += m[i].sum;
        HARNESS_CHECK(m[i].missing == 0, "thread %d asked for additions in a row and %ld of "
                      "them were not made", i + 1, m[i].missing);
    }
    HARNESS_CHECK(@slug@_total(c) == want, "after threads added and took away %ld in all, "
                  "the total is %ld: additions were lost", want, @slug@_total(c));
    @slug@_free(c);
}
END_TEST

const graded_test hidden_tests[] = {
    GRADED(negative_additions, "functional"),
    GRADED(reads_while_adding, "race"),
    { 0 }
};
