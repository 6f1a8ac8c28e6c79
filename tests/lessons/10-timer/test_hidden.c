/* test_hidden.c - lesson 10's hidden tests (not in the student handout).
 * Timing and ordering tests run in virtual time (harness.h): exact, however
 * loaded the machine; hours of delay cost no real time. */
#include "test_support.h"

/* A zero delay still runs fn on the timer's own thread, at once. */
START_TEST(zero_delay_on_its_own_thread)
{
    harness_virtual_time(true);
    double t0 = harness_now_ms();
    ctimer_t *t = start_probe(0, 0, false);
    HARNESS_CHECK(t != NULL, "ctimer_start(0, fn, arg) returned NULL");
    harness_sleep_ms(10);
    check_probe_runs(0, "ctimer_start(0, fn, arg)");
    HARNESS_CHECK(atomic_load(&probes[0].calls) == 1, "ctimer_start(0, fn, arg): fn had not "
                  "run 10 ms later");
    HARNESS_CHECK(probes[0].at_ms - t0 <= 1.0, "ctimer_start(0, fn, arg): fn ran %.1f ms "
                  "later (expected at once)", probes[0].at_ms - t0);
    ctimer_free(t);
    check_all_joined("ctimer_start(0, fn, arg) then ctimer_free");
}
END_TEST

/* ctimer_free of a pending timer cancels it, at once. */
START_TEST(free_pending_cancels_it)
{
    harness_virtual_time(true);
    ctimer_t *t = start_probe(0, 1000, false);
    HARNESS_CHECK(t != NULL, "ctimer_start(1000, fn, arg) returned NULL");
    harness_sleep_ms(100);
    double t0 = harness_now_ms();
    ctimer_free(t);
    double took = harness_now_ms() - t0;
    HARNESS_CHECK(took <= 1.0, "ctimer_free of a pending timer (900 ms to go) took %.0f ms: it "
                  "must cancel the timer and return at once, not wait out the delay", took);
    check_all_joined("ctimer_free of a pending timer");
    harness_sleep_ms(2000);
    check_probe_runs(0, "a timer freed while pending");
    HARNESS_CHECK(atomic_load(&probes[0].calls) == 0, "fn of a timer freed while pending ran "
                  "anyway");
}
END_TEST

/* After fn has run, cancel says false; free returns at once. */
START_TEST(cancel_after_fire_is_false)
{
    harness_virtual_time(true);
    ctimer_t *t = start_probe(0, 50, false);
    HARNESS_CHECK(t != NULL, "ctimer_start(50, fn, arg) returned NULL");
    harness_sleep_ms(100);
    HARNESS_CHECK(atomic_load(&probes[0].calls) == 1, "ctimer_start(50, fn, arg): fn had not "
                  "run 100 ms later");
    HARNESS_CHECK(!ctimer_cancel(t), "ctimer_cancel after fn had run returned true: fn has "
                  "started (and finished), so it must return false");
    double t0 = harness_now_ms();
    ctimer_free(t);
    double took = harness_now_ms() - t0;
    HARNESS_CHECK(took <= 1.0, "ctimer_free of a timer whose fn had returned took %.0f ms",
                  took);
    check_probe_runs(0, "ctimer_start(50, fn, arg)");
    check_all_joined("a timer that fired, then ctimer_free");
}
END_TEST

/* Delays beyond 4294 ms, where delay_ms * 1000000 no longer fits in 32
 * bits, up to an hour: each fires exactly on time. */
START_TEST(long_delays_exact)
{
    enum { N = 4 };
    static const unsigned delay[N] = { 3600000, 4295, 65536, 7000 };
    harness_virtual_time(true);
    ctimer_t *t[N];
    double t0 = harness_now_ms();
    for (int i = 0; i < N; i++) {
        t[i] = start_probe(i, delay[i], false);
        HARNESS_CHECK(t[i] != NULL, "ctimer_start(%u, fn, arg) returned NULL", delay[i]);
    }
    harness_sleep_ms(3600000 + 10);
    for (int i = 0; i < N; i++) {
        check_probe_runs(i, "a timer with a long delay");
        HARNESS_CHECK(atomic_load(&probes[i].calls) == 1, "the fn of ctimer_start(%u, ...) had "
                      "not run 3600010 ms later", delay[i]);
        double took = probes[i].at_ms - t0;
        HARNESS_CHECK(took >= delay[i] - 1.0 && took <= delay[i] + 1.0, "the fn of "
                      "ctimer_start(%u, ...) ran after %.1f ms (expected %u)%s", delay[i], took,
                      delay[i], took < delay[i] ? ": is the deadline's nanosecond count computed "
                      "in 32 bits (it wraps beyond 4294 ms)?" : "");
    }
    for (int i = 0; i < N; i++)
        ctimer_free(t[i]);
    check_all_joined("timers with long delays");
}
END_TEST

/* While one timer's fn runs for 10 s, the others fire on time and can be
 * cancelled at once: each timer has a thread of its own, and no lock is
 * held while fn runs. */
START_TEST(running_fn_delays_no_other_timer)
{
    harness_virtual_time(true);
    double t0 = harness_now_ms();
    probe_reset(0, false)->nap_ms = 10000;
    ctimer_t *slow = ctimer_start(100, probe_fn, probe_arg(0));
    HARNESS_CHECK(slow != NULL, "ctimer_start(100, fn, arg) returned NULL");
    ctimer_t *next = start_probe(1, 500, false);
    ctimer_t *later = start_probe(2, 3000, false);
    HARNESS_CHECK(next && later, "ctimer_start returned NULL");
    harness_sleep_ms(1000);
    HARNESS_CHECK(atomic_load(&probes[1].calls) == 1, "while the fn of a first timer ran (for "
                  "10 s, from 100 ms on), a second timer set for 500 ms had not fired 1000 ms "
                  "after the start: every timer needs a thread of its own, and fn must run "
                  "without any lock held");
    double took = probes[1].at_ms - t0;
    HARNESS_CHECK(took >= 499.0 && took <= 501.0, "while the fn of another timer ran, a timer "
                  "set for 500 ms fired after %.1f ms", took);
    double c0 = harness_now_ms();
    bool r = ctimer_cancel(later);
    double ctook = harness_now_ms() - c0;
    HARNESS_CHECK(ctook <= 1.0, "while the fn of another timer ran, ctimer_cancel of a pending "
                  "timer took %.0f ms: it must return at once", ctook);
    HARNESS_CHECK(r, "ctimer_cancel of a pending timer (2000 ms to go) returned false");
    harness_sleep_ms(10000);
    for (int i = 0; i < 3; i++)
        check_probe_runs(i, "three timers");
    HARNESS_CHECK(atomic_load(&probes[0].calls) == 1, "the first timer's fn never ran");
    HARNESS_CHECK(atomic_load(&probes[2].calls) == 0, "a cancelled timer's fn ran");
    ctimer_free(slow);
    ctimer_free(next);
    ctimer_free(later);
    check_all_joined("three timers");
}
END_TEST

/* Thirty timers with different delays, started at one instant, a third of
 * them cancelled before any fires: the others fire each at its own time,
 * so in the order of their delays; the cancelled never. */
START_TEST(thirty_timers_in_due_order)
{
    enum { N = 30 };
    harness_virtual_time(true);
    unsigned delay[N];
    bool cancel[N];
    /* Distinct delays 20, 180, .. 4660 ms (plus a seeded 0..159 ms), started
     * in a seeded order. */
    for (int i = 0; i < N; i++) {
        delay[i] = 20 + 160u * (unsigned)i + (unsigned)(harness_rand() % 160);
        cancel[i] = i % 3 == 0; /* a third; the shuffle mixes them among the delays */
    }
    for (int i = N - 1; i > 0; i--) {
        int j = (int)(harness_rand() % (uint64_t)(i + 1));
        unsigned d = delay[i];
        delay[i] = delay[j];
        delay[j] = d;
    }
    harness_trace_reset();
    ctimer_t *t[N];
    double t0 = harness_now_ms();
    for (int i = 0; i < N; i++) {
        t[i] = start_probe(i, delay[i], false);
        HARNESS_CHECK(t[i] != NULL, "timer %d of %d: ctimer_start(%u, fn, arg) returned NULL",
                      i + 1, N, delay[i]);
    }
    harness_sleep_ms(10);
    for (int i = 0; i < N; i++)
        if (cancel[i])
            HARNESS_CHECK(ctimer_cancel(t[i]), "ctimer_cancel of a timer set for %u ms, 10 ms "
                          "after its start, returned false", delay[i]);
    harness_sleep_ms(5100);
    static harness_trace_entry tr[4 * N];
    size_t n = harness_trace_read(tr, 4 * N);
    for (int i = 0; i < N; i++) {
        check_probe_runs(i, "one of 30 timers");
        int calls = atomic_load(&probes[i].calls);
        if (cancel[i]) {
            HARNESS_CHECK(calls == 0, "30 timers, some cancelled: the fn of a cancelled timer "
                          "(set for %u ms) ran: is the cancel flag per timer?", delay[i]);
            continue;
        }
        HARNESS_CHECK(calls == 1, "30 timers, some cancelled: the fn of a timer set for %u ms "
                      "(not cancelled) had not run 5110 ms after the start", delay[i]);
        double took = probes[i].at_ms - t0;
        HARNESS_CHECK(took >= delay[i] - 1.0 && took <= delay[i] + 1.0, "30 timers: the fn "
                      "of the timer set for %u ms ran after %.1f ms", delay[i], took);
    }
    for (size_t k = 1; k < n; k++) {
        unsigned a = delay[tr[k - 1].value], b = delay[tr[k].value];
        HARNESS_CHECK(a < b, "30 timers started at once: the timer set for %u ms fired before "
                      "the one set for %u ms (fire %zu of %zu)", a, b, k, n);
    }
    for (int i = 0; i < N; i++)
        ctimer_free(t[i]);
    check_all_joined("30 timers");
}
END_TEST

/* Cancels that land as the timer fires, from four threads at once: each
 * time, either cancel returns true and fn never runs, or it returns false
 * and fn runs exactly once. ThreadSanitizer watches the timer's state. */
typedef struct racer {
    int slot;
    int trials, wrong_true, wrong_false, twice, on_caller, failed_start;
    bool last_result;
    int last_calls;
    double budget_end;
    uint64_t rng; /* this thread's own stream, seeded from harness_rand() */
} racer;

static void *race_body(void *arg)
{
    racer *r = arg;
    int max = harness_under_tsan() ? 40 : 150;
    for (int i = 0; i < max && harness_now_ms() < r->budget_end; i++) {
        r->rng ^= r->rng << 13; /* xorshift64: harness_rand() is the test thread's */
        r->rng ^= r->rng >> 7;
        r->rng ^= r->rng << 17;
        uint64_t rnd = r->rng;
        unsigned d = (unsigned)(rnd % 3);
        ctimer_t *t = start_probe(r->slot, d, false);
        if (!t) {
            r->failed_start++;
            break;
        }
        switch ((rnd >> 8) % 4) {
        case 0: break;
        case 1: harness_sleep_ms(d); break;
        case 2: harness_sleep_ms(0.3); break;
        default: harness_sleep_ms(d + 0.5); break;
        }
        bool cancelled = ctimer_cancel(t);
        ctimer_free(t);
        probe *p = &probes[r->slot];
        int calls = atomic_load(&p->calls);
        r->trials++;
        if (calls > 1)
            r->twice++;
        else if (cancelled && calls != 0)
            r->wrong_true++;
        else if (!cancelled && calls != 1)
            r->wrong_false++;
        if (calls > 0 && atomic_load(&p->thread) == p->caller)
            r->on_caller++;
        r->last_result = cancelled;
        r->last_calls = calls;
    }
    return NULL;
}

START_TEST(cancel_races_with_firing)
{
    enum { T = 4 };
    racer r[T];
    pthread_t th[T];
    double end = harness_now_ms() + (harness_under_tsan() ? 1000 : 600);
    for (int i = 0; i < T; i++) {
        r[i] = (racer){ .slot = 10 + i, .budget_end = end, .rng = harness_rand() | 1 };
        harness_thread_start(&th[i], race_body, &r[i]);
    }
    for (int i = 0; i < T; i++)
        harness_thread_join(th[i]);
    for (int i = 0; i < T; i++) {
        HARNESS_CHECK(r[i].failed_start == 0, "ctimer_start(0..2 ms, fn, arg) returned NULL");
        HARNESS_CHECK(atomic_load(&probe_bad_args) == 0, "fn was called with an argument that "
                      "is not the arg given to ctimer_start");
        HARNESS_CHECK(r[i].twice == 0, "a timer cancelled as it fired ran fn twice");
        HARNESS_CHECK(r[i].wrong_true == 0, "in %d of %d timers cancelled as they fired, "
                      "ctimer_cancel returned true but fn ran anyway: deciding to fire and "
                      "marking the timer as started must be one step under the lock",
                      r[i].wrong_true, r[i].trials);
        HARNESS_CHECK(r[i].wrong_false == 0, "in %d of %d timers cancelled as they fired, "
                      "ctimer_cancel returned false but fn never ran: false means fn has "
                      "started and runs to its end", r[i].wrong_false, r[i].trials);
        HARNESS_CHECK(r[i].on_caller == 0, "fn ran on the thread that called ctimer_start");
    }
    check_all_joined("timers cancelled as they fired");
}
END_TEST

const graded_test hidden_tests[] = {
    GRADED_VIRTUAL(zero_delay_on_its_own_thread, "functional"),
    GRADED_VIRTUAL(free_pending_cancels_it, "functional"),
    GRADED_VIRTUAL(cancel_after_fire_is_false, "functional"),
    GRADED(cancel_races_with_firing, "race"),
    /* 30 timers, each fire a few round trips: room for a loaded machine. */
    GRADED_TIMEOUT(thirty_timers_in_due_order, "ordering", 20000),
    GRADED(long_delays_exact, "timing"),
    GRADED_VIRTUAL(running_fn_delays_no_other_timer, "timing"),
    { 0 }
};
