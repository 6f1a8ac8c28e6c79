/* test_hidden.c - lesson 06's hidden tests (not in the student handout). */
#include "test_support.h"

#include <sched.h>
#include <stdint.h>
#include <string.h>

/* Seed 000 practice23: a worker waits, clears, and waits again; the main
 * thread sets the event once per round. Each round must wait for its own set. */
START_TEST(reusable_after_clear)
{
    event_t *e = event_new();
    HARNESS_CHECK(e != NULL, "event_new() returned NULL");
    event_set(e);
    event_clear(e);
    HARNESS_CHECK(!event_is_set(e), "event_is_set is true after set then clear");
    waiter w;
    start_waiter(&w, e, 50);
    HARNESS_CHECK(finish_waiter(&w, 3000), "event_wait_timeout(e, 50) had not returned after 3 s");
    HARNESS_CHECK(!w.result, "after event_set then event_clear, event_wait_timeout(e, 50) "
                  "returned true: the clear was lost");
    for (int round = 1; round <= 3; round++) {
        start_sleeping_waiters(&w, 1, e, 0);
        event_set(e);
        HARNESS_CHECK(finish_waiter(&w, 2000), "round %d: event_wait had not returned 2 s "
                      "after event_set", round);
        event_clear(e);
        HARNESS_CHECK(!event_is_set(e), "round %d: event_is_set is true after event_clear",
                      round);
    }
    event_free(e);
}
END_TEST

/* Sixteen waiters, half with a timeout: one event_set wakes all of them. */
START_TEST(many_waiters_one_set)
{
    enum { N = 16 };
    event_t *e = event_new();
    HARNESS_CHECK(e != NULL, "event_new() returned NULL");
    waiter w[N];
    for (int i = 0; i < N; i++)
        start_waiter(&w[i], e, i % 2 ? 20000 : 0);
    bool asleep = settle(w, N);
    for (int i = 0; i < N; i++)
        HARNESS_CHECK(!atomic_load(&w[i].done), "a wait returned before the event was set");
    HARNESS_CHECK(asleep, "the %d waiting threads did not go to sleep within 3 s", N);
    event_set(e);
    unsigned limit = harness_under_tsan() ? 3000 : 1000;
    double end = harness_now_ms() + limit;
    int woke = 0;
    while (harness_now_ms() < end && woke < N) {
        woke = 0;
        for (int i = 0; i < N; i++)
            woke += atomic_load(&w[i].done);
        harness_sleep_ms(2);
    }
    HARNESS_CHECK(woke == N, "event_set woke %d of %d waiting threads within %u ms: wake them "
                  "all with pthread_cond_broadcast", woke, N, limit);
    for (int i = 0; i < N; i++) {
        harness_thread_join(w[i].thread);
        HARNESS_CHECK(w[i].result, "event_wait_timeout(e, 20000) returned false although the "
                      "event was set");
    }
    event_free(e);
}
END_TEST

/* Seed 003 check/conn: workers poll with a short timeout until it is set. */
typedef struct poller {
    event_t *e;
    int tries;
    atomic_bool done;
} poller;

static void *poll_body(void *p)
{
    poller *c = p;
    while (!event_is_set(c->e)) {
        c->tries++;
        event_wait_timeout(c->e, 20);
    }
    atomic_store(&c->done, true);
    return NULL;
}

START_TEST(pollers_see_the_set)
{
    enum { N = 3 };
    event_t *e = event_new();
    HARNESS_CHECK(e != NULL, "event_new() returned NULL");
    poller c[N];
    pthread_t t[N];
    for (int i = 0; i < N; i++) {
        c[i] = (poller){ .e = e };
        harness_thread_start(&t[i], poll_body, &c[i]);
    }
    harness_sleep_ms(100);
    event_set(e);
    double end = harness_now_ms() + 2000;
    for (int i = 0; i < N; i++) {
        while (!atomic_load(&c[i].done) && harness_now_ms() < end)
            harness_sleep_ms(1);
        HARNESS_CHECK(atomic_load(&c[i].done), "a thread looping on event_is_set / "
                      "event_wait_timeout(e, 20) had not seen the set 2 s later");
    }
    for (int i = 0; i < N; i++)
        harness_thread_join(t[i]);
    event_free(e);
}
END_TEST

/* Timed waits on an unset event that gets set later must not give up early. */
START_TEST(timed_waits_return_only_when_set)
{
    enum { N = 6 };
    event_t *e = event_new();
    HARNESS_CHECK(e != NULL, "event_new() returned NULL");
    harness_trace_reset();
    waiter w[N];
    for (int i = 0; i < N; i++)
        start_waiter(&w[i], e, 10000);
    settle(w, N);
    harness_sleep_ms(50);
    harness_trace("set", 0);
    event_set(e);
    for (int i = 0; i < N; i++)
        HARNESS_CHECK(finish_waiter(&w[i], 3000), "a waiter was still waiting 3 s after "
                      "event_set");
    static harness_trace_entry tr[64];
    size_t n = harness_trace_read(tr, 64);
    char why[256];
    HARNESS_CHECK(harness_trace_check_after(tr, n, "woke", "set",
                                            "event_wait_timeout(e, 10000) returned",
                                            "the event was set", why, sizeof why),
                  "%s. A condition wait can wake up without a signal: re-check the flag and "
                  "the deadline in a while loop", why);
    event_free(e);
}
END_TEST

/* The set lands while the waiter is on its way into the wait: no lost
 * wake-up. Trial after trial, each on an event of its own. The same waiter
 * thread makes every trial (a new thread per trial would cost more than the
 * trial), meeting the test's thread at a gate before each. Every event is
 * made before the waiter starts and freed after it is joined: nothing but
 * the event's own code orders a trial's wait and set. */
enum { MAX_SET_TRIALS = 200 };

typedef struct set_trials {
    event_t *e[MAX_SET_TRIALS];
    atomic_bool entering[MAX_SET_TRIALS]; /* the waiter is about to call event_wait */
    atomic_bool woke[MAX_SET_TRIALS];     /* its event_wait returned */
    bool stop[MAX_SET_TRIALS];            /* out of time: this trial and later ones do not run */
    int count;
    harness_gate *gate;
} set_trials;

static void *trial_waiter(void *p)
{
    set_trials *t = p;
    for (int i = 0; i < t->count; i++) {
        harness_gate_wait(t->gate, 5000);
        if (t->stop[i])
            break;
        atomic_store(&t->entering[i], true);
        event_wait(t->e[i]);
        atomic_store(&t->woke[i], true);
    }
    return NULL;
}

START_TEST(set_races_with_wait)
{
    /* Up to 200 trials (twice: a race test runs two schedules), within
     * 3 s: a loaded machine runs fewer of them instead of running out of
     * time. A set that skips the lock loses its wake-up in the first few;
     * the sleeps below cycle through 7 landing points every 21 trials. */
    static set_trials t; /* 2 KiB: kept off the stack */
    memset(&t, 0, sizeof t);
    t.count = harness_under_tsan() ? 100 : 200;
    harness_batch_begin(); /* the events in one round trip */
    for (int i = 0; i < t.count; i++)
        (void)event_new();
    size_t made;
    const uint64_t *v = harness_batch_end(&made);
    HARNESS_CHECK(made == (size_t)t.count, "%zu of %d event_new calls returned", made, t.count);
    for (int i = 0; i < t.count; i++) {
        t.e[i] = (event_t *)(uintptr_t)v[i];
        HARNESS_CHECK(t.e[i] != NULL, "event_new() returned NULL");
    }
    t.gate = harness_gate_new(2);
    double budget_end = harness_now_ms() + 3000;
    pthread_t waiter;
    harness_thread_start(&waiter, trial_waiter, &t);
    for (int i = 0; i < t.count; i++) {
        int trial = i + 1;
        if (harness_now_ms() > budget_end)
            t.stop[i] = true; /* before the gate: the waiter reads it after */
        harness_gate_wait(t.gate, 5000);
        if (t.stop[i])
            break;
        while (!atomic_load(&t.entering[i]))
            sched_yield(); /* leave the core to the waiter on a busy machine */
        if (trial % 3 == 1)
            harness_sleep_ms(0.005 * (trial % 7)); /* land at different points of the wait */
        event_set(t.e[i]);
        double end = harness_now_ms() + 2000;
        while (!atomic_load(&t.woke[i]) && harness_now_ms() < end)
            harness_sleep_ms(0.2);
        HARNESS_CHECK(atomic_load(&t.woke[i]), "trial %d: event_set ran while a thread was "
                      "entering event_wait, and the waiter never woke up (2 s)", trial);
    }
    harness_thread_join(waiter);
    harness_gate_free(t.gate);
    harness_batch_begin();
    for (int i = 0; i < t.count; i++)
        event_free(t.e[i]);
    harness_batch_end(NULL);
}
END_TEST

/* Timing tests run in virtual time (harness.h): exact, whatever the load;
 * the tolerance (1 ms) is for deadlines rounded to whole milliseconds. */
START_TEST(zero_timeout_returns_at_once)
{
    harness_virtual_time(true);
    event_t *e = event_new();
    HARNESS_CHECK(e != NULL, "event_new() returned NULL");
    double t0 = harness_now_ms();
    bool r = event_wait_timeout(e, 0);
    double took = harness_now_ms() - t0;
    HARNESS_CHECK(!r, "event_wait_timeout(e, 0) on an unset event returned true");
    HARNESS_CHECK(took <= 1.0, "event_wait_timeout(e, 0) took %.1f ms (expected 0)", took);
    event_set(e);
    HARNESS_CHECK(event_wait_timeout(e, 0), "event_wait_timeout(e, 0) on a set event returned "
                  "false");
    event_free(e);
}
END_TEST

/* A long timeout that runs out (exactly 20 s), then a set 1 s into a 5 s
 * wait: the wait must return when the set comes, not later. */
START_TEST(longer_timeout_and_prompt_wake)
{
    harness_virtual_time(true);
    event_t *e = event_new();
    HARNESS_CHECK(e != NULL, "event_new() returned NULL");
    waiter w;
    start_waiter(&w, e, 20000);
    harness_thread_join(w.thread);
    HARNESS_CHECK(!w.result && w.took_ms >= 19999.0 && w.took_ms <= 20001.0,
                  "event_wait_timeout(e, 20000) on an unset event returned %s after %.1f ms "
                  "(expected false after 20000 ms)", w.result ? "true" : "false", w.took_ms);
    start_waiter(&w, e, 5000);
    harness_sleep_ms(1000);
    event_set(e);
    harness_thread_join(w.thread);
    HARNESS_CHECK(w.result, "event_wait_timeout(e, 5000) returned false though the event was "
                  "set 1000 ms into the wait");
    HARNESS_CHECK(w.took_ms >= 1000.0 && w.took_ms <= 1001.0, "event_wait_timeout(e, 5000) "
                  "returned after %.1f ms though the event was set after 1000 ms: it should "
                  "wake at once", w.took_ms);
    event_free(e);
}
END_TEST

const graded_test hidden_tests[] = {
    GRADED(reusable_after_clear, "functional"),
    GRADED(many_waiters_one_set, "functional"),
    GRADED(pollers_see_the_set, "functional"),
    GRADED(timed_waits_return_only_when_set, "ordering"),
    GRADED(set_races_with_wait, "race"),
    GRADED_VIRTUAL(zero_timeout_returns_at_once, "timing"),
    GRADED_VIRTUAL(longer_timeout_and_prompt_wake, "timing"),
    { 0 }
};
