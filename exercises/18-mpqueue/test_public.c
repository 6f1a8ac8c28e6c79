/* test_public.c - lesson 18's public tests: `make check` runs these. The
 * grader also runs hidden tests of the same kinds. Items, child processes
 * and the checks are in test_support.h.
 *
 * The children are forked by the grader's code in your process, after
 * mpq_new, and call your mpq_put, mpq_get and mpq_free; what a child got
 * comes back on the grader's own pipe. The timing tests run on the
 * grader's virtual clock (harness.h): exact, whatever the machine's load.
 */
#include "harness.h"
#include "test_support.h"

#include <errno.h>
#include <stdio.h>

/* The numbers of one test: from the seed, never 0. */
static uint32_t first_number(void) { return 1 + (uint32_t)(harness_rand() % 100000) * 16; }

/* Checks the next get returns item v of `size` bytes at once. */
static void get_is(mpq_t *q, size_t size, uint32_t v, const char *what)
{
    unsigned char item[MAX_ITEM];
    int rc = mpq_get_timeout(q, item, 2000);
    HARNESS_CHECK(rc == 0, "%s: mpq_get_timeout(q, item, 2000) returned %d with item %u "
                  "queued, expected 0", what, rc, v);
    HARNESS_CHECK(!last_get_overran(), "%s: mpq_get_timeout wrote past the %zu bytes of the "
                  "item", what, size);
    int64_t got = item_value(item, size);
    HARNESS_CHECK(got == v, "%s: got %s%lld, expected item %u (first in, first out)", what,
                  got < 0 ? "bytes that are no item put, " : "item ", (long long)got, v);
}

/* multiprocessing's q.put / q.get in one process: first in, first out,
 * items of 1, 8 and 4096 bytes copied whole. */
START_TEST(fifo_in_one_process)
{
    HARNESS_CHECK(mpq_new(0, 8) == NULL, "mpq_new(0, 8) did not return NULL");
    HARNESS_CHECK(mpq_new(4, 0) == NULL, "mpq_new(4, 0) did not return NULL");
    static const size_t sizes[] = { 8, 1, 4096 };
    for (size_t s = 0; s < 3; s++) {
        size_t size = sizes[s];
        char what[64];
        snprintf(what, sizeof what, "mpq_new(3, %zu), 3 items put", size);
        mpq_t *q = mpq_new(3, size);
        HARNESS_CHECK(q != NULL, "mpq_new(3, %zu) returned NULL", size);
        uint32_t v = size == 1 ? 7 : first_number();
        unsigned char item[MAX_ITEM];
        for (uint32_t i = 0; i < 3; i++) {
            item_fill(item, size, v + i);
            int rc = mpq_put(q, item);
            HARNESS_CHECK(rc == 0, "%s: mpq_put number %u returned %d, expected 0", what,
                          i + 1, rc);
        }
        for (uint32_t i = 0; i < 3; i++)
            get_is(q, size, v + i, what);
        item_fill(item, size, v + 5);
        mpq_put(q, item); /* around the ring: the slots are reused */
        get_is(q, size, v + 5, what);
        mpq_free(q);
        HARNESS_CHECK(queue_left_mapped() == 0, "mpq_free(q) in the process that made q left "
                      "%u of the mappings mpq_new made: munmap it", queue_left_mapped());
    }
}
END_TEST

/* Seed queuecommu1: a child puts, the parent gets. Then the child has
 * called mpq_free and ended: the parent's queue still works. */
START_TEST(child_puts_parent_gets)
{
    enum { N = 60 };
    const char *what = "a child put 60 items on mpq_new(4, 16), the parent got them";
    uint32_t v = first_number();
    mpq_t *q = mpq_new(4, 16);
    HARNESS_CHECK(q != NULL, "mpq_new(4, 16) returned NULL");
    int rc = kids_spawn(q, 16, KIDS_PUT, 1, N, v);
    HARNESS_CHECK(rc == 0, "the grader could not fork (%d)", rc);
    static mover m;
    mover_start(&m, q, 16, false, N, 0);
    mover_finish(&m, what);
    for (uint32_t i = 0; i < N; i++)
        HARNESS_CHECK(m.got[i] == v + i, "%s: get number %u gave item %u, expected %u (one "
                      "producer: first in, first out)", what, i + 1, m.got[i], v + i);
    kids_done(v, N, m.got, N, what);
    unsigned char item[16];
    item_fill(item, 16, v + N);
    rc = mpq_put(q, item);
    HARNESS_CHECK(rc == 0, "after the child called mpq_free and ended, the parent's mpq_put "
                  "returned %d: a child's mpq_free must only unmap its own mapping, never "
                  "destroy the shared locks", rc);
    get_is(q, 16, v + N, "after the child called mpq_free and ended, the parent's queue");
    mpq_free(q);
    HARNESS_CHECK(queue_left_mapped() == 0, "mpq_free(q) in the parent left %u of the "
                  "mappings mpq_new made", queue_left_mapped());
}
END_TEST

/* The parent puts, two children get: each item reaches exactly one. */
START_TEST(parent_puts_children_get)
{
    enum { N = 80 };
    const char *what = "the parent put 80 items on mpq_new(3, 8), two children got 40 each";
    uint32_t v = first_number();
    mpq_t *q = mpq_new(3, 8);
    HARNESS_CHECK(q != NULL, "mpq_new(3, 8) returned NULL");
    int rc = kids_spawn(q, 8, KIDS_GET, 2, N / 2, 0);
    HARNESS_CHECK(rc == 0, "the grader could not fork (%d)", rc);
    static mover m;
    mover_start(&m, q, 8, true, N, v);
    mover_finish(&m, what);
    kids_done(v, N, NULL, 0, what);
    mpq_free(q);
}
END_TEST

/* Seed multitask1: 3 producer and 3 consumer processes on a queue of 4:
 * every item got exactly once. */
START_TEST(three_producers_three_consumers)
{
    size_t per = harness_under_tsan() ? 100 : 300;
    char what[128];
    snprintf(what, sizeof what, "3 producer children put %zu items each on mpq_new(4, 8), "
             "3 consumer children got %zu each", per, per);
    uint32_t v = first_number();
    mpq_t *q = mpq_new(4, 8);
    HARNESS_CHECK(q != NULL, "mpq_new(4, 8) returned NULL");
    int rc = kids_spawn(q, 8, KIDS_GET, 3, per, 0);
    if (rc == 0)
        rc = kids_spawn(q, 8, KIDS_PUT, 3, per, v);
    HARNESS_CHECK(rc == 0, "the grader could not fork (%d)", rc);
    kids_done(v, 3 * per, NULL, 0, what);
    mpq_free(q);
}
END_TEST

/* mpq_put on a full queue blocks until an item is taken. */
START_TEST(put_blocks_when_full)
{
    const char *what = "mpq_put on a full mpq_new(3, 8)";
    uint32_t v = first_number();
    mpq_t *q = mpq_new(3, 8);
    HARNESS_CHECK(q != NULL, "mpq_new(3, 8) returned NULL");
    unsigned char item[8];
    for (uint32_t i = 0; i < 3; i++) {
        item_fill(item, 8, v + i);
        int rc = mpq_put(q, item);
        HARNESS_CHECK(rc == 0, "mpq_put number %u on mpq_new(3, 8) returned %d", i + 1, rc);
    }
    static mover m;
    mover_start(&m, q, 8, true, 1, v + 3);
    mover_asleep(&m, what);
    get_is(q, 8, v, "a full queue of 3, one more put waiting");
    mover_finish(&m, what);
    for (uint32_t i = 1; i < 4; i++)
        get_is(q, 8, v + i, "a full queue of 3, one more put that waited");
    mpq_free(q);
}
END_TEST

/* mpq_get on an empty queue blocks until an item is put. */
START_TEST(get_blocks_when_empty)
{
    const char *what = "mpq_get on an empty mpq_new(2, 8)";
    uint32_t v = first_number();
    mpq_t *q = mpq_new(2, 8);
    HARNESS_CHECK(q != NULL, "mpq_new(2, 8) returned NULL");
    static mover m;
    mover_start(&m, q, 8, false, 1, 0);
    mover_asleep(&m, what);
    unsigned char item[8];
    item_fill(item, 8, v);
    int rc = mpq_put(q, item);
    HARNESS_CHECK(rc == 0, "mpq_put with a get waiting returned %d", rc);
    mover_finish(&m, what);
    HARNESS_CHECK(m.got[0] == v, "%s: got item %u, expected %u", what, m.got[0], v);
    mpq_free(q);
}
END_TEST

/* Virtual time: a timed get on an empty queue gives up after exactly its
 * timeout and takes nothing; with an item there it returns at once. */
START_TEST(get_timeout_is_honoured)
{
    harness_virtual_time(true);
    uint32_t v = first_number();
    mpq_t *q = mpq_new(2, 8);
    HARNESS_CHECK(q != NULL, "mpq_new(2, 8) returned NULL");
    unsigned char item[8];
    double t0 = harness_now_ms();
    int rc = mpq_get_timeout(q, item, 1500);
    double took = harness_now_ms() - t0;
    HARNESS_CHECK(rc == ETIMEDOUT, "mpq_get_timeout(q, item, 1500) on an empty queue returned "
                  "%d, expected ETIMEDOUT (%d)", rc, ETIMEDOUT);
    HARNESS_CHECK(took >= 1499.0, "mpq_get_timeout(q, item, 1500) on an empty queue gave up "
                  "after %.1f ms, before 1500 ms: pthread_cond_timedwait and sem_timedwait "
                  "take an absolute deadline (now on the wait's clock + ms), not the "
                  "relative time", took);
    HARNESS_CHECK(took <= 1501.0, "mpq_get_timeout(q, item, 1500) on an empty queue took "
                  "%.1f ms to give up (expected 1500): compute one absolute deadline before "
                  "the wait loop, on CLOCK_MONOTONIC", took);
    item_fill(item, 8, v);
    mpq_put(q, item);
    t0 = harness_now_ms();
    rc = mpq_get_timeout(q, item, 0);
    took = harness_now_ms() - t0;
    HARNESS_CHECK(rc == 0, "after a timed-out mpq_get_timeout(q, item, 1500) and one put, "
                  "mpq_get_timeout(q, item, 0) returned %d, expected 0: the item is there, "
                  "take it (look before waiting). Or did the timed-out get take a slot? A "
                  "get that times out must take nothing", rc);
    HARNESS_CHECK(item_value(item, 8) == v, "mpq_get_timeout(q, item, 0) did not give the "
                  "item queued (after a timed-out get that must have taken nothing)");
    HARNESS_CHECK(took < 1.0, "mpq_get_timeout(q, item, 0) with an item queued took %.1f ms",
                  took);
    rc = mpq_get_timeout(q, item, 0);
    HARNESS_CHECK(rc == ETIMEDOUT, "mpq_get_timeout(q, item, 0) on an empty queue returned "
                  "%d, expected ETIMEDOUT (%d)", rc, ETIMEDOUT);
    mpq_free(q);
}
END_TEST

/* Virtual time: a waiting get sleeps (it does not spin) and returns the
 * moment an item is put, 1000.25 ms later. */
START_TEST(get_wakes_when_put)
{
    harness_virtual_time(true);
    uint32_t v = first_number();
    mpq_t *q = mpq_new(2, 8);
    HARNESS_CHECK(q != NULL, "mpq_new(2, 8) returned NULL");
    static mover m;
    double t0 = harness_now_ms();
    mover_start(&m, q, 8, false, 1, 0);
    harness_sleep_ms(1000.25);
    unsigned char item[8];
    item_fill(item, 8, v);
    int rc = mpq_put(q, item);
    HARNESS_CHECK(rc == 0, "mpq_put with a get waiting returned %d", rc);
    harness_thread_join(m.thread);
    double took = harness_now_ms() - t0;
    HARNESS_CHECK(m.bad_rc == 0 && m.got[0] == v, "mpq_get waiting on an empty queue returned "
                  "%d with item %u, expected 0 with item %u", m.bad_rc, m.got[0], v);
    HARNESS_CHECK(took < 1000.26, "mpq_get returned %.3f ms after it was called, for an item "
                  "put after 1000.25 ms: it should wake the moment the item comes (does it "
                  "poll: try, sleep, try again?)", took);
    mpq_free(q);
}
END_TEST

const graded_test public_tests[] = {
    GRADED(fifo_in_one_process, "functional"),
    GRADED(child_puts_parent_gets, "functional"),
    GRADED(parent_puts_children_get, "functional"),
    GRADED(three_producers_three_consumers, "race"),
    GRADED(put_blocks_when_full, "deadlock"),
    GRADED(get_blocks_when_empty, "deadlock"),
    GRADED_VIRTUAL(get_timeout_is_honoured, "timing"),
    GRADED_VIRTUAL(get_wakes_when_put, "timing"),
    { 0 }
};
