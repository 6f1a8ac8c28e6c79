/* test_hidden.c - lesson 12's hidden tests (not in the student handout). */
#include "harness.h"
#include "turns.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

static atomic_long said;
static atomic_bool jitter;
static atomic_int caller; /* harness_thread_id() of the thread that calls take_turns */
static atomic_bool said_on_caller;

/* Every test that lets speakers speak checks every say: its turn, its
 * thread (one per speaker, never the caller's). */
static void say(size_t who)
{
    harness_trace("say", (long)who);
    if (harness_thread_id() == atomic_load(&caller))
        atomic_store(&said_on_caller, true);
    unsigned long n = (unsigned long)atomic_fetch_add(&said, 1);
    /* Some turns take a while: the others must wait, not run ahead. */
    if (atomic_load(&jitter) && ((n * 2654435761ul) >> 7) % 16 == 0)
        harness_sleep_ms(0.2);
}

typedef struct run_arg {
    size_t k, rounds;
    int rc;
    atomic_bool done;
} run_arg;

static void *run(void *p)
{
    run_arg *a = p;
    atomic_store(&caller, harness_thread_id());
    a->rc = take_turns(a->k, a->rounds, say);
    atomic_store(&a->done, true);
    return NULL;
}

/* take_turns on a helper thread; fails instead of hanging when nobody speaks
 * for stall_ms. */
static int turns_or_fail(size_t k, size_t rounds, unsigned stall_ms)
{
    static run_arg a;
    a = (run_arg){ .k = k, .rounds = rounds };
    atomic_store(&a.done, false);
    atomic_store(&said, 0);
    atomic_store(&said_on_caller, false);
    harness_trace_reset();
    pthread_t t;
    harness_thread_start(&t, run, &a);
    long now;
    HARNESS_CHECK(harness_watch_progress(&a.done, &said, stall_ms, &now),
                  "take_turns(%zu, %zu) got stuck after %ld of %zu turns: nobody spoke for "
                  "%u ms (a missed wake-up)", k, rounds, now, k * rounds, stall_ms);
    harness_thread_join(t);
    return a.rc;
}

static void check_order(size_t k, size_t rounds)
{
    static harness_trace_entry tr[HARNESS_TRACE_MAX];
    size_t n = harness_trace_read(tr, HARNESS_TRACE_MAX);
    char why[256];
    ck_assert_msg(harness_trace_check_turns(tr, n, "say", k, rounds, NULL, why, sizeof why),
                  "take_turns(%zu, %zu): %s", k, rounds, why);
    ck_assert_msg(harness_trace_check_own_threads(tr, n, "say", k, NULL, why, sizeof why),
                  "take_turns(%zu, %zu): %s", k, rounds, why);
    ck_assert_msg(!atomic_load(&said_on_caller),
                  "take_turns(%zu, %zu): say() was called on the thread that called "
                  "take_turns: every speaker needs a thread of its own", k, rounds);
}

START_TEST(one_speaker)
{
    int rc = turns_or_fail(1, 7, 3000);
    ck_assert_msg(rc == 0, "take_turns(1, 7) returned %d, expected 0", rc);
    check_order(1, 7);
}
END_TEST

START_TEST(zero_rounds_and_zero_speakers)
{
    int rc = turns_or_fail(3, 0, 3000);
    ck_assert_msg(rc == 0, "take_turns(3, 0) returned %d, expected 0", rc);
    ck_assert_msg(atomic_load(&said) == 0, "take_turns(3, 0) called say %ld times, expected 0",
                  atomic_load(&said));
    rc = take_turns(0, 5, say);
    ck_assert_msg(rc == EINVAL, "take_turns(0, 5) returned %d, expected EINVAL (%d)", rc,
                  EINVAL);
}
END_TEST

START_TEST(create_failure_stops_everyone)
{
    harness_fail_create(2, EAGAIN); /* the 3rd pthread_create fails */
    int rc = turns_or_fail(4, 50, 3000);
    harness_fail_create(-1, 0);
    int live = harness_live_threads();
    ck_assert_msg(rc == EAGAIN, "the 3rd pthread_create failed with EAGAIN but take_turns(4, "
                  "50) returned %d", rc);
    ck_assert_msg(live == 0, "take_turns returned after a failed pthread_create while %d of "
                  "its threads were still running: wake them, let them leave, join them", live);
    ck_assert_msg(!atomic_load(&said_on_caller), "say() was called on the thread that called "
                  "take_turns: every speaker needs a thread of its own");
}
END_TEST

/* A creation fails (which one comes from the seed) only once the speakers
 * started before it are asleep, waiting for a turn that never comes: each
 * must be woken, leave and be joined. */
START_TEST(create_failure_after_others_wait)
{
    enum { K = 5, ROUNDS = 50 };
    int k = harness_fail_create_seeded(1, K - 1, EAGAIN);
    static run_arg a;
    a = (run_arg){ .k = K, .rounds = ROUNDS };
    atomic_store(&a.done, false);
    atomic_store(&said, 0);
    pthread_t t;
    harness_thread_start(&t, run, &a);
    long now;
    bool returned = harness_watch_progress(&a.done, &said, 2000, &now);
    harness_fail_create(-1, 0);
    HARNESS_CHECK(returned, "take_turns(%d, %d) never returned after pthread_create number %d "
                  "failed while the speakers started before it (%d) were waiting for their "
                  "turn: wake them all (broadcast), let them leave, join them",
                  K, ROUNDS, k + 1, k);
    harness_thread_join(t);
    int live = harness_live_threads();
    ck_assert_msg(a.rc == EAGAIN, "pthread_create number %d failed with EAGAIN but "
                  "take_turns(%d, %d) returned %d", k + 1, K, ROUNDS, a.rc);
    ck_assert_msg(live == 0, "take_turns returned after a failed pthread_create while %d of "
                  "its threads were still running: wake them, let them leave, join them", live);
    ck_assert_msg(!atomic_load(&said_on_caller), "say() was called on the thread that called "
                  "take_turns: every speaker needs a thread of its own");
}
END_TEST

START_TEST(five_speakers_with_slow_turns)
{
    atomic_store(&jitter, true);
    int rc = turns_or_fail(5, 300, 3000);
    ck_assert_msg(rc == 0, "take_turns(5, 300) returned %d, expected 0", rc);
    check_order(5, 300);
}
END_TEST

START_TEST(eight_speakers_never_stall)
{
    /* Under ThreadSanitizer on a loaded machine the 8 new threads may not
     * run for seconds (a CI run once saw 4 s of silence after 5 turns of a
     * correct solution): a stall there is 8 s, still within the timeout. */
    for (int trial = 0; trial < 3; trial++) {
        int rc = turns_or_fail(8, 100, harness_under_tsan() ? 8000 : 2000);
        ck_assert_msg(rc == 0, "take_turns(8, 100) returned %d, expected 0", rc);
        check_order(8, 100);
    }
}
END_TEST

START_TEST(pairs_without_data_race)
{
    atomic_store(&jitter, true);
    int rc = turns_or_fail(2, 200, harness_under_tsan() ? 4000 : 2000);
    ck_assert_msg(rc == 0, "take_turns(2, 200) returned %d, expected 0", rc);
    check_order(2, 200);
}
END_TEST

const graded_test hidden_tests[] = {
    GRADED(one_speaker, "functional"),
    GRADED(zero_rounds_and_zero_speakers, "functional"),
    GRADED(create_failure_stops_everyone, "functional"),
    GRADED(create_failure_after_others_wait, "functional"),
    GRADED(five_speakers_with_slow_turns, "ordering"),
    GRADED(eight_speakers_never_stall, "deadlock"),
    GRADED(pairs_without_data_race, "race"),
    { 0 }
};
