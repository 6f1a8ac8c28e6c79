/* test_hidden.c - lesson 11's hidden tests: the grader runs these beside
 * the public ones. Counts on a virtual clock are exact; the races are
 * provoked by holding a step while worker_stop is called, or by stopping
 * many workers the moment they start. */
#include "test_support.h"

/* In T ms with interval I (steps take no time) the steps run at 0, I, 2I..:
 * exactly T / I + 1 of them when T is no multiple of I. */
START_TEST(exact_count_in_a_window)
{
    harness_virtual_time(true);
    static const unsigned intervals[] = { 70, 90, 110, 130 };
    unsigned interval = intervals[harness_rand() % 4];
    double window = 1000 + interval / 2;
    size_t expect = (size_t)(window / interval) + 1;
    static stepper s;
    worker_t *w = worker_start(test_step, &s, interval);
    HARNESS_CHECK(w != NULL, "worker_start returned NULL");
    harness_sleep_ms(window);
    size_t n = worker_stop(w);
    check_joined();
    int calls = atomic_load(&s.calls);
    HARNESS_CHECK(n == expect && calls == (int)expect, "interval_ms %u, worker_stop after "
                  "%.0f ms: the steps run at 0, %u, %u, .. ms, so %zu of them; worker_stop "
                  "returned %zu and step was called %d times", interval, window, interval,
                  2 * interval, expect, n, calls);
    check_step_threads(&s, harness_thread_id());
}
END_TEST

/* Steps of different lengths: each pause is interval_ms from the end of
 * the step before it, not from its start (a fixed delay, not a fixed rate). */
START_TEST(fixed_delay_after_uneven_steps)
{
    enum { STEPS = 8, INTERVAL = 40 };
    harness_virtual_time(true);
    static double takes[STEPS];
    for (int k = 0; k < STEPS; k++)
        takes[k] = (double)(5 + harness_rand() % 56);
    static stepper s = { .last = STEPS, .takes = takes, .ntakes = STEPS, .timed = true };
    double t0 = harness_now_ms();
    worker_t *w = worker_start(test_step, &s, INTERVAL);
    HARNESS_CHECK(w != NULL, "worker_start returned NULL");
    harness_sleep_ms(STEPS * (INTERVAL + 60) + 200);
    size_t n = worker_stop(w);
    check_joined();
    HARNESS_CHECK(n == STEPS, "worker_stop returned %zu; the step returned false at call %d",
                  n, STEPS);
    HARNESS_CHECK(s.start[0] - t0 <= 1.0, "the first step started %.1f ms after worker_start: "
                  "it must run at once", s.start[0] - t0);
    for (int k = 1; k < STEPS; k++) {
        double gap = s.start[k] - s.end[k - 1];
        HARNESS_CHECK(gap >= INTERVAL - 1.0 && gap <= INTERVAL + 1.0,
                      "step %d (it took %.0f ms) ended at %.1f ms and step %d started %.1f ms "
                      "later; expected interval_ms = %d after the end of each step", k,
                      takes[k - 1], s.end[k - 1] - t0, k + 1, gap, INTERVAL);
    }
}
END_TEST

/* Two workers at once: stopping one leaves the other running (a stop flag
 * or a count shared by all workers mixes them up). The first worker's third
 * step lasts 300 ms, and worker_stop is called during it: the second
 * worker's pauses end meanwhile (at 300, 400 and 500 ms) and it goes on. */
START_TEST(workers_are_independent)
{
    harness_virtual_time(true);
    static const double a_takes[] = { 0, 0, 300 };
    static stepper a = { .takes = a_takes, .ntakes = 3 }, b;
    worker_t *wa = worker_start(test_step, &a, 100);
    worker_t *wb = worker_start(test_step, &b, 100);
    HARNESS_CHECK(wa != NULL && wb != NULL, "worker_start returned NULL");
    harness_sleep_ms(250);
    size_t na = worker_stop(wa); /* returns at 500 ms, when the third step ends */
    int left = harness_unjoined_threads();
    HARNESS_CHECK(left == 1, "after worker_stop of the first of two workers, %d threads started "
                  "by worker_start were left unjoined (expected 1: the second worker's)", left);
    harness_sleep_ms(550);
    size_t nb = worker_stop(wb);
    check_joined();
    int ca = atomic_load(&a.calls), cb = atomic_load(&b.calls);
    HARNESS_CHECK(na == 3 && ca == 3, "the first worker (steps at 0, 100 and 200 ms, the third "
                  "lasting 300 ms) was stopped at 250 ms: worker_stop returned %zu and its step "
                  "was called %d times (expected 3 and 3)", na, ca);
    HARNESS_CHECK(nb == 11 && cb == 11, "the second worker (steps every 100 ms) was stopped at "
                  "1050 ms, the first one from 250 to 500 ms: the second's worker_stop returned "
                  "%zu and its step was called %d times (expected 11 and 11). Stopping one "
                  "worker must not stop or count another", nb, cb);
}
END_TEST

/* A step that returns false at once: one step, and the worker is over. */
START_TEST(false_at_the_first_step)
{
    harness_virtual_time(true);
    static stepper s = { .last = 1 };
    worker_t *w = worker_start(test_step, &s, 5);
    HARNESS_CHECK(w != NULL, "worker_start returned NULL");
    harness_sleep_ms(500);
    int calls = atomic_load(&s.calls);
    HARNESS_CHECK(calls == 1, "the first step returned false, yet step was called %d times",
                  calls);
    size_t n = worker_stop(w);
    check_joined();
    HARNESS_CHECK(n == 1, "worker_stop returned %zu; 1 step (which returned false) had run", n);
}
END_TEST

/* worker_stop during a step that then returns false: counted once. */
START_TEST(stop_during_a_step_that_ends_the_worker)
{
    static stepper s = { .hold = 2, .hold_result = false };
    worker_t *w = worker_start(test_step, &s, 1);
    HARNESS_CHECK(w != NULL, "worker_start returned NULL");
    HARNESS_CHECK(wait_flag(&s.held, 5000), "the second step had not run 5 s after "
                  "worker_start (interval_ms 1)");
    static stopper st;
    stopper_start(&st, w, true);
    int tid = atomic_load(&st.tid);
    harness_wait_asleep(&tid, 1, 20, 1000);
    HARNESS_CHECK(!atomic_load(&st.done), "worker_stop returned %zu while a step was still "
                  "running: it must wait for it", st.result);
    atomic_store(&s.release, true);
    HARNESS_CHECK(wait_flag(&st.done, 5000), "worker_stop had not returned 5 s after the "
                  "running step returned false");
    harness_thread_join(st.thread);
    check_joined();
    int calls = atomic_load(&s.calls);
    HARNESS_CHECK(calls == 2 && st.result == 2, "worker_stop was called during step 2, which "
                  "then returned false: expected 2 step calls and worker_stop returning 2, got "
                  "%d calls and %zu", calls, st.result);
}
END_TEST

/* Seed 004's show_timer as a daemon: it ticks every second on its own
 * while the caller goes on; three of them at once, each on its thread.
 * (A daemon that nobody stops gives up after 10 ticks.) */
typedef struct ticker {
    atomic_int ticks;
    atomic_bool quit, finished;
    int thread;
} ticker;

static void show_timer(void *p)
{
    ticker *t = p;
    t->thread = harness_thread_id();
    while (!atomic_load(&t->quit) && atomic_load(&t->ticks) < 10) {
        harness_sleep_ms(1000);
        atomic_fetch_add(&t->ticks, 1);
    }
    atomic_store(&t->finished, true);
}

START_TEST(daemons_tick_on_their_own)
{
    enum { N = 3 };
    harness_virtual_time(true);
    static ticker t[N];
    for (int i = 0; i < N; i++) {
        int rc = spawn_daemon(show_timer, &t[i]);
        HARNESS_CHECK(rc == 0, "spawn_daemon returned %d, expected 0", rc);
    }
    int left = harness_unjoined_threads();
    HARNESS_CHECK(left == 0, "spawn_daemon left %d joinable threads: a daemon is detached",
                  left);
    harness_sleep_ms(3500);
    for (int i = 0; i < N; i++)
        HARNESS_CHECK(atomic_load(&t[i].ticks) == 3, "daemon %d ticked %d times in the 3.5 s "
                      "after spawn_daemon returned (one tick a second; expected 3): "
                      "spawn_daemon must return at once, without waiting for fn", i + 1,
                      atomic_load(&t[i].ticks));
    for (int i = 0; i < N; i++)
        atomic_store(&t[i].quit, true);
    harness_sleep_ms(1500);
    for (int i = 0; i < N; i++) {
        HARNESS_CHECK(atomic_load(&t[i].finished), "daemon %d did not finish", i + 1);
        HARNESS_CHECK(t[i].thread != harness_thread_id(), "a daemon ran on the thread that "
                      "called spawn_daemon");
        for (int j = 0; j < i; j++)
            HARNESS_CHECK(t[i].thread != t[j].thread, "daemons %d and %d ran on the same "
                          "thread: each spawn_daemon starts a thread of its own", j + 1, i + 1);
    }
}
END_TEST

/* Workers stopped the moment they start, many times: what worker_stop
 * returns is what the step saw, and no step comes after it. */
START_TEST(stop_right_after_start)
{
    int rounds = harness_under_tsan() ? 15 : 60;
    static stepper s[60];
    for (int r = 0; r < rounds; r++) {
        worker_t *w = worker_start(test_step, &s[r], (unsigned)(r % 3)); /* 0, 1, 2 ms */
        HARNESS_CHECK(w != NULL, "worker_start returned NULL");
        size_t n = worker_stop(w);
        int calls = atomic_load(&s[r].calls), returned = atomic_load(&s[r].returned);
        HARNESS_CHECK(calls == returned && n == (size_t)returned, "worker %d, stopped right "
                      "after worker_start (interval %d ms): worker_stop returned %zu but %d "
                      "step calls had returned and %d had begun", r + 1, r % 3, n, returned,
                      calls);
        check_joined();
    }
    real_nap();
    for (int r = 0; r < rounds; r++) {
        int calls = atomic_load(&s[r].calls), returned = atomic_load(&s[r].returned);
        HARNESS_CHECK(calls == returned, "worker %d: a step was called after worker_stop "
                      "returned", r + 1);
        HARNESS_CHECK(!atomic_load(&s[r].overlapped), "worker %d: two steps ran at once",
                      r + 1);
    }
}
END_TEST

/* worker_stop just as the worker goes into its pause of an hour (real
 * time): the stop's wake-up must not be lost. The grader holds the window
 * between the worker's check of the flag and its wait open, so a flag set
 * or a signal sent without the worker's mutex misses the worker, which
 * then sleeps for the hour. */
START_TEST(stop_as_the_pause_begins)
{
    enum { ROUNDS = 3 };
    for (int r = 0; r < ROUNDS; r++) {
        static stepper s[ROUNDS];
        worker_t *w = worker_start(test_step, &s[r], HOUR_MS);
        HARNESS_CHECK(w != NULL, "worker_start returned NULL");
        static stopper st[ROUNDS];
        stopper_start(&st[r], w, false);
        HARNESS_CHECK(wait_count(&s[r].returned, 1, 5000), "the first step had not run 5 s "
                      "after worker_start");
        int tid = atomic_load(&s[r].tid);
        harness_wait_asleep(&tid, 1, 5, 1000); /* the worker is at (or in) its wait */
        atomic_store(&st[r].go, true);
        double limit = harness_under_tsan() ? 6000 : 3000;
        HARNESS_CHECK(wait_flag(&st[r].done, limit), "worker_stop, called as the worker began "
                      "its pause of 1 hour, had not returned %.0f s later: its wake-up was "
                      "lost. Set the stop flag and signal the condition while holding the "
                      "mutex, and have the worker check the flag under that mutex before "
                      "each wait", limit / 1000);
        harness_thread_join(st[r].thread);
        check_joined();
        HARNESS_CHECK(st[r].result == 1, "worker_stop returned %zu; 1 step had run",
                      st[r].result);
    }
}
END_TEST

const graded_test hidden_tests[] = {
    GRADED_VIRTUAL(exact_count_in_a_window, "functional"),
    GRADED_VIRTUAL(workers_are_independent, "functional"),
    GRADED_VIRTUAL(false_at_the_first_step, "functional"),
    GRADED(stop_during_a_step_that_ends_the_worker, "functional"),
    GRADED(daemons_tick_on_their_own, "functional"),
    GRADED(stop_right_after_start, "race"),
    GRADED(stop_as_the_pause_begins, "deadlock"),
    GRADED(fixed_delay_after_uneven_steps, "timing"),
    { 0 }
};
