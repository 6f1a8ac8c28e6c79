/* test_public.c - lesson 12's public tests: `make check` runs these.
 * The grader also runs hidden tests of the same kinds. Every say() is
 * recorded in the harness's trace; the checks read the trace afterwards. */
#include "harness.h"
#include "turns.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

static const char *const pingpong[] = { "Ping", "Pong" };
static atomic_long spoken;
static atomic_int caller; /* harness_thread_id() of the thread that calls take_turns */
static atomic_bool said_on_caller;

static void say(size_t who)
{
    harness_trace("say", (long)who);
    if (harness_thread_id() == atomic_load(&caller))
        atomic_store(&said_on_caller, true);
    atomic_fetch_add(&spoken, 1);
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

/* Runs take_turns(k, rounds) on a helper thread. Fails the test if nobody
 * speaks for `stall_ms` (a missed wake-up) instead of hanging. Returns its rc. */
static int turns_or_fail(size_t k, size_t rounds, unsigned stall_ms)
{
    static run_arg a;
    a = (run_arg){ .k = k, .rounds = rounds };
    atomic_store(&a.done, false);
    atomic_store(&spoken, 0);
    harness_trace_reset();
    pthread_t t;
    harness_thread_start(&t, run, &a);
    long now;
    HARNESS_CHECK(harness_watch_progress(&a.done, &spoken, stall_ms, &now),
                  "take_turns(%zu, %zu) got stuck: %ld of %zu turns taken, then nobody "
                  "spoke for %u ms. The thread whose turn it was never woke up: wake "
                  "all the waiters (pthread_cond_broadcast), not just one.",
                  k, rounds, now, k * rounds, stall_ms);
    harness_thread_join(t);
    return a.rc;
}

/* Checks the trace: exact turns, one thread per speaker, never the caller's. */
static void check_turns(size_t k, size_t rounds, const char *const names[])
{
    static harness_trace_entry tr[HARNESS_TRACE_MAX];
    size_t n = harness_trace_read(tr, HARNESS_TRACE_MAX);
    char why[256];
    ck_assert_msg(harness_trace_check_turns(tr, n, "say", k, rounds, names, why, sizeof why),
                  "take_turns(%zu, %zu): %s", k, rounds, why);
    ck_assert_msg(harness_trace_check_own_threads(tr, n, "say", k, names, why, sizeof why),
                  "take_turns(%zu, %zu): %s", k, rounds, why);
    ck_assert_msg(!atomic_load(&said_on_caller),
                  "say() was called on the thread that called take_turns: every speaker "
                  "needs a thread of its own");
}

/* The seed: Ping and Pong, five times each, strictly alternating. */
START_TEST(ping_pong_five_rounds)
{
    int rc = turns_or_fail(2, 5, 3000);
    ck_assert_msg(rc == 0, "take_turns(2, 5) returned %d (%s), expected 0", rc, strerror(rc));
    check_turns(2, 5, pingpong);
    ck_assert_msg(harness_threads_created() == 2,
                  "take_turns(2, 5) started %d threads, expected 2 (one per speaker)",
                  harness_threads_created());
}
END_TEST

START_TEST(ping_pong_thousand_rounds)
{
    int rc = turns_or_fail(2, 1000, 3000);
    ck_assert_msg(rc == 0, "take_turns(2, 1000) returned %d, expected 0", rc);
    check_turns(2, 1000, pingpong);
}
END_TEST

START_TEST(four_speakers_in_order)
{
    int rc = turns_or_fail(4, 200, 3000);
    ck_assert_msg(rc == 0, "take_turns(4, 200) returned %d, expected 0", rc);
    check_turns(4, 200, NULL);
}
END_TEST

/* With more than two threads, waking just one waiter can wake the wrong one:
 * it goes back to sleep and the right one never hears. Several sizes, many
 * rounds: glibc does not wake waiters in a fixed order. */
START_TEST(three_to_six_never_stall)
{
    for (size_t k = 3; k <= 6; k++) {
        int rc = turns_or_fail(k, 200, harness_under_tsan() ? 4000 : 2000);
        ck_assert_msg(rc == 0, "take_turns(%zu, 200) returned %d, expected 0", k, rc);
        check_turns(k, 200, NULL);
    }
}
END_TEST

/* Runs under ThreadSanitizer too: a turn variable read without the lock
 * (a busy-wait on a plain int) is a data race it reports. */
START_TEST(turns_without_data_race)
{
    int rc = turns_or_fail(3, 100, harness_under_tsan() ? 4000 : 2000);
    ck_assert_msg(rc == 0, "take_turns(3, 100) returned %d, expected 0", rc);
    check_turns(3, 100, NULL);
}
END_TEST

const graded_test public_tests[] = {
    GRADED(ping_pong_five_rounds, "functional"),
    GRADED(ping_pong_thousand_rounds, "ordering"),
    GRADED(four_speakers_in_order, "ordering"),
    GRADED(three_to_six_never_stall, "deadlock"),
    GRADED(turns_without_data_race, "race"),
    { 0 }
};
