/* test_hidden.c - lesson 18's hidden tests (not in the student handout):
 * the public kinds again, with items of 1 and 4096 bytes between
 * processes, a queue of one slot, the parent consuming from three
 * producers, a full put that sleeps until a get, and a timeout that spans
 * a wake-up. Helpers: test_support.h and grader/harness/harness.h. */
#include "harness.h"
#include "test_support.h"

#include <errno.h>
#include <stdio.h>

static uint32_t first_number(void) { return 1 + (uint32_t)(harness_rand() % 100000) * 16; }

/* Items of 1 byte (numbers 1..240) and of 4096 bytes between two producer
 * and two consumer processes. */
START_TEST(small_and_page_items_between_processes)
{
    static const size_t sizes[] = { 1, 4096 };
    for (size_t s = 0; s < 2; s++) {
        size_t size = sizes[s], per = size == 1 ? 60 : 40;
        uint32_t v = size == 1 ? 1 + (uint32_t)(harness_rand() % 100) : first_number();
        char what[160];
        snprintf(what, sizeof what, "2 producer children put %zu items each on mpq_new(3, "
                 "%zu), 2 consumer children got %zu each", per, size, per);
        mpq_t *q = mpq_new(3, size);
        HARNESS_CHECK(q != NULL, "mpq_new(3, %zu) returned NULL", size);
        int rc = kids_spawn(q, size, KIDS_PUT, 2, per, v);
        if (rc == 0)
            rc = kids_spawn(q, size, KIDS_GET, 2, per, 0);
        HARNESS_CHECK(rc == 0, "the grader could not fork (%d)", rc);
        kids_done(v, 2 * per, NULL, 0, what);
        mpq_free(q);
        HARNESS_CHECK(queue_left_mapped() == 0, "mpq_free(q) in the parent left %u of the "
                      "mappings mpq_new made", queue_left_mapped());
    }
}
END_TEST

/* One slot, two producers and two consumers: every put waits for a get. */
START_TEST(one_slot_between_processes)
{
    size_t per = harness_under_tsan() ? 80 : 200;
    char what[128];
    snprintf(what, sizeof what, "2 producer children put %zu items each on mpq_new(1, 24), "
             "2 consumer children got %zu each", per, per);
    uint32_t v = first_number();
    mpq_t *q = mpq_new(1, 24);
    HARNESS_CHECK(q != NULL, "mpq_new(1, 24) returned NULL");
    int rc = kids_spawn(q, 24, KIDS_PUT, 2, per, v);
    if (rc == 0)
        rc = kids_spawn(q, 24, KIDS_GET, 2, per, 0);
    HARNESS_CHECK(rc == 0, "the grader could not fork (%d)", rc);
    kids_done(v, 2 * per, NULL, 0, what);
    mpq_free(q);
}
END_TEST

/* Seed multitask1's result queue: three children put, the parent gets
 * every item, exactly once; then a child of the parent's gets one more. */
START_TEST(parent_consumes_three_producers)
{
    enum { PER = 70 };
    const char *what = "3 producer children put 70 items each on mpq_new(5, 8), the parent "
                       "got 210";
    uint32_t v = first_number();
    mpq_t *q = mpq_new(5, 8);
    HARNESS_CHECK(q != NULL, "mpq_new(5, 8) returned NULL");
    int rc = kids_spawn(q, 8, KIDS_PUT, 3, PER, v);
    HARNESS_CHECK(rc == 0, "the grader could not fork (%d)", rc);
    static mover m;
    mover_start(&m, q, 8, false, 3 * PER, 0);
    mover_finish(&m, what);
    kids_done(v, 3 * PER, m.got, 3 * PER, what);
    unsigned char item[8];
    item_fill(item, 8, v + 3 * PER);
    rc = kids_spawn(q, 8, KIDS_GET, 1, 1, 0);
    HARNESS_CHECK(rc == 0, "the grader could not fork (%d)", rc);
    rc = mpq_put(q, item);
    HARNESS_CHECK(rc == 0, "after three children called mpq_free and ended, the parent's "
                  "mpq_put returned %d: only the creator's mpq_free may destroy the shared "
                  "locks", rc);
    kids_done(v + 3 * PER, 1, NULL, 0, "after three children called mpq_free, the parent "
              "put one item and a new child got it");
    mpq_free(q);
}
END_TEST

/* Virtual time: a put on a full queue sleeps until a get, 700 ms later,
 * and returns then. */
START_TEST(put_sleeps_until_get)
{
    harness_virtual_time(true);
    uint32_t v = first_number();
    mpq_t *q = mpq_new(2, 8);
    HARNESS_CHECK(q != NULL, "mpq_new(2, 8) returned NULL");
    unsigned char item[8];
    for (uint32_t i = 0; i < 2; i++) {
        item_fill(item, 8, v + i);
        mpq_put(q, item);
    }
    static mover m;
    double t0 = harness_now_ms();
    mover_start(&m, q, 8, true, 1, v + 2);
    harness_sleep_ms(700.5);
    int rc = mpq_get(q, item);
    HARNESS_CHECK(rc == 0 && item_value(item, 8) == v, "mpq_get on a full queue returned %d "
                  "with %lld, expected 0 with item %u", rc, (long long)item_value(item, 8), v);
    harness_thread_join(m.thread);
    double took = harness_now_ms() - t0;
    HARNESS_CHECK(m.bad_rc == 0, "mpq_put on a full queue returned %d, expected 0 once a "
                  "slot was free", m.bad_rc);
    HARNESS_CHECK(took >= 700.5, "mpq_put on a full mpq_new(2, 8) returned after %.2f ms, "
                  "before any item was taken (at 700.5 ms): it must wait while the queue "
                  "is full", took);
    HARNESS_CHECK(took < 700.51, "mpq_put on a full queue returned %.3f ms after it was "
                  "called, for a slot freed after 700.5 ms: it should wake the moment the "
                  "slot frees (does it poll?)", took);
    for (uint32_t i = 1; i < 3; i++) {
        rc = mpq_get_timeout(q, item, 0);
        HARNESS_CHECK(rc == 0 && item_value(item, 8) == v + i, "after the waiting put, "
                      "mpq_get_timeout(q, item, 0) returned %d with %lld, expected item %u",
                      rc, (long long)item_value(item, 8), v + i);
    }
    mpq_free(q);
}
END_TEST

/* Virtual time: a 2500 ms timed get, woken on the way (the engine wakes a
 * timed wait half-way), still gives up at exactly 2500 ms; one started
 * at once with an item put 900 ms later gets it then. */
START_TEST(timeout_spans_wakeups)
{
    harness_virtual_time(true);
    uint32_t v = first_number();
    mpq_t *q = mpq_new(2, 8);
    HARNESS_CHECK(q != NULL, "mpq_new(2, 8) returned NULL");
    unsigned char item[8];
    for (int round = 0; round < 2; round++) {
        double t0 = harness_now_ms();
        int rc = mpq_get_timeout(q, item, 2500);
        double took = harness_now_ms() - t0;
        HARNESS_CHECK(rc == ETIMEDOUT, "mpq_get_timeout(q, item, 2500) on an empty queue "
                      "returned %d, expected ETIMEDOUT (%d)", rc, ETIMEDOUT);
        HARNESS_CHECK(took >= 2499.0 && took <= 2501.0, "mpq_get_timeout(q, item, 2500) on an "
                      "empty queue gave up after %.1f ms: it must wait until one absolute "
                      "deadline on CLOCK_MONOTONIC, through every wake-up", took);
    }
    static mover m;
    item_fill(item, 8, v);
    double t0 = harness_now_ms();
    mover_start(&m, q, 8, false, 1, 0);
    harness_sleep_ms(900);
    mpq_put(q, item);
    harness_thread_join(m.thread);
    double took = harness_now_ms() - t0;
    HARNESS_CHECK(m.bad_rc == 0 && m.got[0] == v, "a waiting mpq_get returned %d with item "
                  "%u, expected 0 with %u", m.bad_rc, m.got[0], v);
    HARNESS_CHECK(took < 900.01, "a waiting mpq_get returned %.2f ms after it was called, for "
                  "an item put at 900 ms", took);
    mpq_free(q);
}
END_TEST

const graded_test hidden_tests[] = {
    GRADED(small_and_page_items_between_processes, "functional"),
    GRADED(one_slot_between_processes, "race"),
    GRADED(parent_consumes_three_producers, "race"),
    GRADED_VIRTUAL(put_sleeps_until_get, "timing"),
    GRADED_VIRTUAL(timeout_spans_wakeups, "timing"),
    { 0 }
};
