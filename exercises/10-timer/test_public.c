/* test_public.c - lesson 10's public tests: `make check` runs these.
 * The grader also runs hidden tests of the same kinds. Each timer calls a
 * probe (test_support.h) that records when, how often and on which thread
 * fn ran. Timing tests run in virtual time (harness.h): a 3 s delay costs no
 * real time and is exact; the tolerance, 1 ms either way, is for deadlines
 * rounded to whole milliseconds. */
#include "test_support.h"

/* Seed 003: Timer(3, hello) calls hello once, 3 s later, on its own thread. */
START_TEST(fires_once_after_its_delay)
{
    harness_virtual_time(true);
    double t0 = harness_now_ms();
    ctimer_t *t = start_probe(0, 3000, false);
    HARNESS_CHECK(t != NULL, "ctimer_start(3000, fn, arg) returned NULL");
    harness_sleep_ms(2990);
    HARNESS_CHECK(atomic_load(&probes[0].calls) == 0, "ctimer_start(3000, fn, arg): fn ran "
                  "%.1f ms after the start, before its 3000 ms", probes[0].at_ms - t0);
    harness_sleep_ms(1000);
    check_probe_runs(0, "ctimer_start(3000, fn, arg)");
    HARNESS_CHECK(atomic_load(&probes[0].calls) == 1, "ctimer_start(3000, fn, arg): fn had "
                  "not run 3990 ms after the start");
    double took = probes[0].at_ms - t0;
    HARNESS_CHECK(took >= 2999.0 && took <= 3001.0, "ctimer_start(3000, fn, arg): fn ran "
                  "%.1f ms after the start (expected 3000)", took);
    ctimer_free(t);
    check_all_joined("ctimer_start(3000, fn, arg) then ctimer_free");
}
END_TEST

/* No fn, no timer; with a fn, a timer. */
START_TEST(null_fn_gives_null)
{
    harness_virtual_time(true);
    ctimer_t *t = ctimer_start(10, NULL, probe_arg(0));
    HARNESS_CHECK(t == NULL, "ctimer_start(10, NULL, arg) did not return NULL");
    HARNESS_CHECK(harness_unjoined_threads() == 0, "ctimer_start(10, NULL, arg) left a thread "
                  "behind: return NULL before starting anything");
    t = start_probe(1, 10, false);
    HARNESS_CHECK(t != NULL, "ctimer_start(10, fn, arg) returned NULL");
    harness_sleep_ms(20);
    check_probe_runs(1, "ctimer_start(10, fn, arg)");
    HARNESS_CHECK(atomic_load(&probes[1].calls) == 1, "ctimer_start(10, fn, arg): fn had not "
                  "run 20 ms later");
    ctimer_free(t);
    check_all_joined("ctimer_start(10, fn, arg) then ctimer_free");
}
END_TEST

/* Cancelled half-way through its delay, fn never runs. */
START_TEST(cancel_before_it_fires)
{
    harness_virtual_time(true);
    ctimer_t *t = start_probe(0, 1000, false);
    HARNESS_CHECK(t != NULL, "ctimer_start(1000, fn, arg) returned NULL");
    harness_sleep_ms(500);
    bool r = ctimer_cancel(t);
    HARNESS_CHECK(r, "ctimer_cancel 500 ms into a 1000 ms delay returned false: fn had not "
                  "started, so it must return true");
    harness_sleep_ms(1500);
    check_probe_runs(0, "a cancelled timer");
    HARNESS_CHECK(atomic_load(&probes[0].calls) == 0, "fn of a timer cancelled 500 ms into "
                  "its 1000 ms delay ran anyway (ctimer_cancel returned true)");
    ctimer_free(t);
    check_all_joined("ctimer_cancel then ctimer_free");
}
END_TEST

/* A cancel never waits for the delay: a timer set for an hour is cancelled
 * at once, and freed at once (in virtual time: no time may pass at all). */
START_TEST(cancel_returns_at_once)
{
    harness_virtual_time(true);
    ctimer_t *t = start_probe(0, 3600 * 1000, false);
    HARNESS_CHECK(t != NULL, "ctimer_start(3600000, fn, arg) returned NULL");
    harness_sleep_ms(100);
    double t0 = harness_now_ms();
    bool r = ctimer_cancel(t);
    double took = harness_now_ms() - t0;
    HARNESS_CHECK(took <= 1.0, "ctimer_cancel on a timer set for an hour took %.0f ms: it must "
                  "return at once (wake the timer's thread; never sleep() out the delay)",
                  took);
    HARNESS_CHECK(r, "ctimer_cancel on a timer set for an hour returned false");
    t0 = harness_now_ms();
    ctimer_free(t);
    took = harness_now_ms() - t0;
    HARNESS_CHECK(took <= 1.0, "ctimer_free of a cancelled timer set for an hour took %.0f ms: "
                  "its thread should wake when cancelled and end at once, not sleep out the "
                  "delay", took);
    check_all_joined("ctimer_cancel then ctimer_free");
    HARNESS_CHECK(atomic_load(&probes[0].calls) == 0, "fn ran although ctimer_cancel returned "
                  "true");
}
END_TEST

/* Once fn has started, cancel says false, at once, and fn runs to its end. */
START_TEST(cancel_while_fn_runs)
{
    ctimer_t *t = start_probe(0, 0, true);
    HARNESS_CHECK(t != NULL, "ctimer_start(0, fn, arg) returned NULL");
    probe *p = &probes[0];
    HARNESS_CHECK(probe_wait_entered(p, 8000), "ctimer_start(0, fn, arg): fn had not started "
                  "8 s later");
    check_probe_runs(0, "ctimer_start(0, fn, arg)");
    helper_call h;
    helper_start(&h, t, true);
    bool returned = helper_wait_done(&h, 3000);
    probe_release(p);
    HARNESS_CHECK(returned, "ctimer_cancel did not return while fn was running (3 s): it must "
                  "return false at once, not wait for fn");
    harness_thread_join(h.thread);
    HARNESS_CHECK(!h.result, "ctimer_cancel returned true while fn was running: once fn has "
                  "started, cancel must return false");
    ctimer_free(t);
    check_probe_runs(0, "a timer cancelled while fn ran");
    HARNESS_CHECK(atomic_load(&p->calls) == 1, "fn ran %d times (expected once)",
                  atomic_load(&p->calls));
    check_all_joined("ctimer_cancel during fn, then ctimer_free");
}
END_TEST

/* ctimer_free of a timer whose fn is running waits for fn to return. */
START_TEST(free_waits_for_running_fn)
{
    ctimer_t *t = start_probe(0, 5, true);
    HARNESS_CHECK(t != NULL, "ctimer_start(5, fn, arg) returned NULL");
    probe *p = &probes[0];
    HARNESS_CHECK(probe_wait_entered(p, 8000), "ctimer_start(5, fn, arg): fn had not started "
                  "8 s later");
    check_probe_runs(0, "ctimer_start(5, fn, arg)");
    helper_call h;
    helper_start(&h, t, false);
    bool early = helper_returns_without_waiting(&h);
    probe_release(p);
    HARNESS_CHECK(!early, "ctimer_free returned while fn was still running: it must wait for "
                  "fn to return (join the timer's thread)");
    HARNESS_CHECK(helper_wait_done(&h, 8000), "ctimer_free had not returned 8 s after fn "
                  "returned");
    harness_thread_join(h.thread);
    check_probe_runs(0, "a timer freed while fn ran");
    check_all_joined("ctimer_free while fn ran");
}
END_TEST

/* Five timers at once, each fires at its own time, even the one beyond
 * 4294 ms (where delay_ms * 1000000 no longer fits in 32 bits). */
START_TEST(several_timers_each_on_time)
{
    enum { N = 5 };
    static const unsigned delay[N] = { 2500, 300, 5000, 1200, 800 };
    harness_virtual_time(true);
    ctimer_t *t[N];
    double t0 = harness_now_ms();
    for (int i = 0; i < N; i++) {
        t[i] = start_probe(i, delay[i], false);
        HARNESS_CHECK(t[i] != NULL, "ctimer_start(%u, fn, arg) returned NULL", delay[i]);
    }
    harness_sleep_ms(6000);
    for (int i = 0; i < N; i++) {
        check_probe_runs(i, "one of 5 timers");
        HARNESS_CHECK(atomic_load(&probes[i].calls) == 1, "5 timers started at once: the fn "
                      "of ctimer_start(%u, ...) had not run 6000 ms later", delay[i]);
        double took = probes[i].at_ms - t0;
        HARNESS_CHECK(took >= delay[i] - 1.0 && took <= delay[i] + 1.0, "5 timers started at "
                      "once: the fn of ctimer_start(%u, ...) ran after %.1f ms (expected %u)%s",
                      delay[i], took, delay[i], delay[i] > 4294 && took < delay[i] ?
                      ": is the deadline's nanosecond count computed in 32 bits?" : "");
    }
    for (int i = 0; i < N; i++)
        ctimer_free(t[i]);
    check_all_joined("5 timers");
}
END_TEST

const graded_test public_tests[] = {
    GRADED_VIRTUAL(fires_once_after_its_delay, "functional"),
    GRADED_VIRTUAL(null_fn_gives_null, "functional"),
    GRADED_VIRTUAL(cancel_before_it_fires, "functional"),
    /* fn held on a loaded machine: room for the bounds above. */
    GRADED_TIMEOUT(cancel_while_fn_runs, "race", 20000),
    GRADED_TIMEOUT(free_waits_for_running_fn, "race", 20000),
    GRADED_VIRTUAL(cancel_returns_at_once, "timing"),
    GRADED(several_timers_each_on_time, "timing"),
    { 0 }
};
