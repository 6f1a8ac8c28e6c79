/* test_public.c - lesson 11's public tests: `make check` runs these.
 * The grader also runs hidden tests of the same kinds. Most tests run on a
 * virtual clock (harness_virtual_time): a pause of an hour costs no real
 * time, and every time a test reads is exact. */
#include "test_support.h"

#include <errno.h>

/* The seed's Worker: steps until it is done by itself. The step that
 * returns false ends the worker and counts. */
START_TEST(steps_until_false)
{
    harness_virtual_time(true);
    static stepper s = { .last = 3 };
    worker_t *w = worker_start(test_step, &s, 10);
    HARNESS_CHECK(w != NULL, "worker_start returned NULL");
    harness_sleep_ms(1000);
    int calls = atomic_load(&s.calls);
    HARNESS_CHECK(calls == 3, "step returned false at its 3rd call, yet after 1 s (interval "
                  "10 ms) it had been called %d time%s: a step that returns false ends the "
                  "worker", calls, calls == 1 ? "" : "s");
    size_t n = worker_stop(w);
    check_joined();
    HARNESS_CHECK(n == 3, "worker_stop returned %zu; 3 step calls had returned (the one that "
                  "returned false counts too)", n);
    check_step_threads(&s, harness_thread_id());
}
END_TEST

/* Stop a worker in its pause: the steps so far count, and no step comes
 * after worker_stop. Steps at 0, 100, 200, 300 ms; stop at 350 ms. */
START_TEST(stop_returns_steps_run)
{
    harness_virtual_time(true);
    static stepper s;
    worker_t *w = worker_start(test_step, &s, 100);
    HARNESS_CHECK(w != NULL, "worker_start returned NULL");
    harness_sleep_ms(350);
    size_t n = worker_stop(w);
    check_joined();
    int calls = atomic_load(&s.calls);
    HARNESS_CHECK(n == 4 && calls == 4, "with interval_ms 100 the steps run at 0, 100, 200 "
                  "and 300 ms; worker_stop at 350 ms returned %zu and step had been called %d "
                  "times (expected 4 and 4)", n, calls);
    harness_sleep_ms(500);
    calls = atomic_load(&s.calls);
    HARNESS_CHECK(calls == 4, "step was called again after worker_stop returned (%d calls in "
                  "all)", calls);
    check_step_threads(&s, harness_thread_id());
}
END_TEST

/* The first step runs at once; then a fixed delay: each pause of 100 ms
 * starts when a step ends (the steps here take 30 ms each). */
START_TEST(first_step_at_once_then_fixed_delay)
{
    enum { STEPS = 5, INTERVAL = 100, TAKE = 30 };
    harness_virtual_time(true);
    static stepper s = { .last = STEPS, .take_ms = TAKE, .timed = true };
    double t0 = harness_now_ms();
    worker_t *w = worker_start(test_step, &s, INTERVAL);
    HARNESS_CHECK(w != NULL, "worker_start returned NULL");
    harness_sleep_ms(STEPS * (INTERVAL + TAKE) + 500);
    size_t n = worker_stop(w);
    check_joined();
    HARNESS_CHECK(n == STEPS, "worker_stop returned %zu; the step returned false at call %d",
                  n, STEPS);
    double first = s.start[0] - t0;
    HARNESS_CHECK(first <= 1.0, "the first step started %.1f ms after worker_start: it must run "
                  "at once, before the first pause", first);
    for (int k = 1; k < STEPS; k++) {
        double gap = s.start[k] - s.end[k - 1];
        HARNESS_CHECK(gap >= INTERVAL - 1.0 && gap <= INTERVAL + 1.0,
                      "step %d started %.1f ms after step %d ended (at %.1f ms, steps take "
                      "%d ms); expected interval_ms = %d: the pause is a fixed delay counted "
                      "from the end of each step", k + 1, gap, k, s.end[k - 1] - t0, TAKE,
                      INTERVAL);
    }
}
END_TEST

/* The point of the lesson: a worker in a pause of an hour stops at once. */
START_TEST(stop_cuts_a_long_pause_short)
{
    harness_virtual_time(true);
    static stepper s;
    worker_t *w = worker_start(test_step, &s, HOUR_MS);
    HARNESS_CHECK(w != NULL, "worker_start returned NULL");
    harness_sleep_ms(10);
    int calls = atomic_load(&s.calls);
    HARNESS_CHECK(calls == 1, "10 ms after worker_start (interval 1 hour) step had been called "
                  "%d times (expected 1: the first step runs at once)", calls);
    double t0 = harness_now_ms();
    size_t n = worker_stop(w);
    double took = harness_now_ms() - t0;
    check_joined();
    HARNESS_CHECK(took <= 5.0, "worker_stop took %.0f ms while the worker was in its pause of "
                  "1 hour: it must wake the worker at once (a timed condition wait that "
                  "worker_stop signals), not wait for the pause to end", took);
    HARNESS_CHECK(n == 1, "worker_stop returned %zu; 1 step had run", n);
}
END_TEST

/* worker_stop during a step: it waits for that step to return, does not
 * interrupt it, and no other step starts. Real time, an hour's interval. */
START_TEST(stop_waits_for_the_running_step)
{
    static stepper s = { .hold = 1, .hold_result = true };
    worker_t *w = worker_start(test_step, &s, HOUR_MS);
    HARNESS_CHECK(w != NULL, "worker_start returned NULL");
    HARNESS_CHECK(wait_flag(&s.held, 5000), "the first step had not run 5 s after "
                  "worker_start: it must run at once");
    static stopper st;
    stopper_start(&st, w, true);
    /* Step 1 is released only once worker_stop is asleep (in its join) or
     * has returned: then its write of the stop flag, and its read of the
     * count, come before the worker's next look at them in every run, not
     * only when the stopper gets the CPU within a second (on a loaded
     * machine, a stopper that came late would find the count right and
     * the worker's own lock ordering its reads: no race to see). */
    int tid = atomic_load(&st.tid);
    harness_patience p = harness_patience_start(harness_under_tsan() ? 6000 : 3000);
    while (!harness_wait_asleep(&tid, 1, 20, 200) && !atomic_load(&st.done) &&
           harness_patience_nap(&p))
        ;
    HARNESS_CHECK(!atomic_load(&st.done), "worker_stop returned %zu while a step was still "
                  "running: it must wait until the running step returns (join the worker's "
                  "thread), never interrupt it", st.result);
    atomic_store(&s.release, true);
    double limit = harness_under_tsan() ? 6000 : 3000;
    HARNESS_CHECK(wait_flag(&st.done, limit), "worker_stop had not returned %.0f s after the "
                  "running step returned: after a step the worker must see the stop and end, "
                  "not start its pause of an hour", limit / 1000);
    harness_thread_join(st.thread);
    check_joined();
    int calls = atomic_load(&s.calls);
    HARNESS_CHECK(calls == 1, "worker_stop was called during step 1, yet step was called %d "
                  "times: no step may start once worker_stop has been called", calls);
    HARNESS_CHECK(st.result == 1, "worker_stop returned %zu; 1 step call had returned (the one "
                  "that was running when it was called counts)", st.result);
}
END_TEST

/* Seed 004's daemon: spawn_daemon returns while fn still runs; fn runs on
 * a thread of its own, which nobody joins. */
START_TEST(daemon_runs_on_alone)
{
    static daemon_seen d = { .hold = true };
    int rc = spawn_daemon(test_daemon, &d);
    atomic_store(&d.spawn_returned, true);
    HARNESS_CHECK(rc == 0, "spawn_daemon returned %d, expected 0", rc);
    HARNESS_CHECK(wait_flag(&d.finished, 6000), "fn had not run 6 s after spawn_daemon");
    HARNESS_CHECK(atomic_load(&d.saw_return), "spawn_daemon had not returned 3 s after fn "
                  "started: it must start the thread and return at once, not wait for fn "
                  "(no pthread_join)");
    HARNESS_CHECK(d.thread != harness_thread_id(), "fn ran on the thread that called "
                  "spawn_daemon: it must run on a new thread");
    HARNESS_CHECK(atomic_load(&d.calls) == 1, "fn was called %d times (expected once)",
                  atomic_load(&d.calls));
}
END_TEST

/* When pthread_create fails, the error comes back and nothing runs. */
START_TEST(create_failure_is_reported)
{
    static daemon_seen d;
    static stepper s;
    harness_fail_create(0, EAGAIN);
    int rc = spawn_daemon(test_daemon, &d);
    harness_fail_create(0, EAGAIN);
    worker_t *w = worker_start(test_step, &s, 10);
    harness_fail_create(-1, 0);
    HARNESS_CHECK(rc == EAGAIN, "pthread_create failed with EAGAIN but spawn_daemon returned "
                  "%d: return pthread_create's error", rc);
    HARNESS_CHECK(w == NULL, "pthread_create failed but worker_start returned a worker: it "
                  "must return NULL (after freeing what it had set up)");
    harness_sleep_ms(50);
    HARNESS_CHECK(atomic_load(&d.calls) == 0 && atomic_load(&s.calls) == 0,
                  "fn or step was called although pthread_create had failed");
}
END_TEST

const graded_test public_tests[] = {
    GRADED_VIRTUAL(steps_until_false, "functional"),
    GRADED_VIRTUAL(stop_returns_steps_run, "functional"),
    GRADED(daemon_runs_on_alone, "functional"),
    GRADED(create_failure_is_reported, "functional"),
    GRADED(stop_waits_for_the_running_step, "race"),
    GRADED(first_step_at_once_then_fixed_delay, "timing"),
    GRADED_VIRTUAL(stop_cuts_a_long_pause_short, "timing"),
    { 0 }
};
