/* test_support.h - lesson 10's test helpers, shared by the public tests and
 * the grader's hidden tests: probes (the fn every timer of the tests calls,
 * which records when, how often and on which thread it ran, and can hold
 * the timer's thread inside fn), and calls made on helper threads so that
 * the test can watch them. Tests only; nothing here is part of the lesson's
 * API. The helpers every lesson may use are in grader/harness/harness.h. */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include "harness.h"
#include "timer.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

/* ---- probes ------------------------------------------------------------------ */

#define PROBES 128
#define PROBE_ARG_BASE 0x10000u

/* One timer's fn as the test sees it. */
typedef struct probe {
    atomic_int calls;     /* how many times fn ran */
    atomic_int thread;    /* harness_thread_id() of its first run */
    _Atomic double at_ms; /* harness_now_ms() when it first ran */
    int caller;           /* harness_thread_id() of the thread that started it */
    double nap_ms;        /* > 0: fn sleeps this long (virtual time: a virtual sleep) */
    atomic_bool hold;     /* fn waits inside until probe_release (at most 15 s) */
    atomic_bool entered, released;
} probe;

static probe probes[PROBES];
static atomic_int probe_bad_args; /* fn called with an argument no timer was given */
static pthread_mutex_t probe_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t probe_cv = PTHREAD_COND_INITIALIZER;

/* The argument timer i is given: a number, checked before use. */
static inline void *probe_arg(int i) { return (void *)(uintptr_t)(PROBE_ARG_BASE + (unsigned)i); }

static inline void probe_fn(void *arg)
{
    uintptr_t v = (uintptr_t)arg;
    if (v < PROBE_ARG_BASE || v >= PROBE_ARG_BASE + PROBES) {
        atomic_fetch_add(&probe_bad_args, 1);
        return;
    }
    int i = (int)(v - PROBE_ARG_BASE);
    probe *p = &probes[i];
    double now = harness_now_ms();
    if (atomic_load(&p->calls) == 0) {
        atomic_store(&p->at_ms, now);
        atomic_store(&p->thread, harness_thread_id());
    }
    harness_trace("fire", i);
    atomic_fetch_add(&p->calls, 1);
    if (p->nap_ms > 0)
        harness_sleep_ms(p->nap_ms);
    if (atomic_load(&p->hold) && harness_thread_id() == p->caller) {
        /* Held on the caller's thread, fn would hold the test itself: it
         * goes on, and check_probe_runs says what went wrong. */
        pthread_mutex_lock(&probe_mu);
        atomic_store(&p->entered, true);
        pthread_cond_broadcast(&probe_cv);
        pthread_mutex_unlock(&probe_mu);
    } else if (atomic_load(&p->hold)) {
        pthread_mutex_lock(&probe_mu);
        atomic_store(&p->entered, true);
        pthread_cond_broadcast(&probe_cv);
        struct timespec end;
        clock_gettime(CLOCK_REALTIME, &end);
        end.tv_sec += 15;
        while (!atomic_load(&p->released))
            if (pthread_cond_timedwait(&probe_cv, &probe_mu, &end) != 0)
                break;
        pthread_mutex_unlock(&probe_mu);
    }
}

/* Readies probe i (hold: fn will wait inside until probe_release). */
static inline probe *probe_reset(int i, bool hold)
{
    probe *p = &probes[i];
    atomic_store(&p->calls, 0);
    atomic_store(&p->thread, 0);
    atomic_store(&p->at_ms, -1.0);
    p->caller = harness_thread_id();
    p->nap_ms = 0;
    atomic_store(&p->hold, hold);
    atomic_store(&p->entered, false);
    atomic_store(&p->released, false);
    return p;
}

static inline void probe_release(probe *p)
{
    pthread_mutex_lock(&probe_mu);
    atomic_store(&p->released, true);
    pthread_cond_broadcast(&probe_cv);
    pthread_mutex_unlock(&probe_mu);
}

/* Waits (real time, at most ms) until a held fn is inside. */
static inline bool probe_wait_entered(probe *p, unsigned ms)
{
    struct timespec end;
    clock_gettime(CLOCK_REALTIME, &end);
    end.tv_sec += ms / 1000;
    end.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (end.tv_nsec >= 1000000000L) {
        end.tv_sec++;
        end.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&probe_mu);
    while (!atomic_load(&p->entered))
        if (pthread_cond_timedwait(&probe_cv, &probe_mu, &end) != 0)
            break;
    bool in = atomic_load(&p->entered);
    pthread_mutex_unlock(&probe_mu);
    return in;
}

/* ctimer_start(delay_ms, probe_fn, probe_arg(i)) with probe i readied. */
static inline ctimer_t *start_probe(int i, unsigned delay_ms, bool hold)
{
    probe_reset(i, hold);
    return ctimer_start(delay_ms, probe_fn, probe_arg(i));
}

/* The checks every run of fn must pass: its argument, its thread. */
static inline void check_probe_runs(int i, const char *what)
{
    probe *p = &probes[i];
    HARNESS_CHECK(atomic_load(&probe_bad_args) == 0,
                  "%s: fn was called with an argument that is not the arg given to "
                  "ctimer_start: call fn(arg) with the arg you were given", what);
    HARNESS_CHECK(atomic_load(&p->calls) <= 1, "%s: fn ran %d times; a timer calls it at "
                  "most once", what, atomic_load(&p->calls));
    HARNESS_CHECK(atomic_load(&p->calls) == 0 || atomic_load(&p->thread) != p->caller,
                  "%s: fn ran on the thread that called ctimer_start: fn runs on a thread "
                  "of its own (pthread_create it in ctimer_start)", what);
}

/* After every timer of the test was freed: no thread of theirs is left. */
static inline void check_all_joined(const char *what)
{
    int unjoined = harness_unjoined_threads();
    HARNESS_CHECK(unjoined == 0, "%s: after ctimer_free, %d thread%s started by ctimer_start "
                  "had not been joined: ctimer_free must pthread_join the timer's thread "
                  "(whether fn ran or the timer was cancelled), and never detach it",
                  what, unjoined, unjoined == 1 ? "" : "s");
}

/* ---- calls on helper threads ------------------------------------------------- */

/* ctimer_cancel or ctimer_free on a helper thread, so the test can watch it. */
typedef struct helper_call {
    ctimer_t *t;
    bool cancel; /* else free */
    bool result;
    int tid;
    atomic_bool started, done;
    pthread_t thread;
} helper_call;

static inline void *helper_body(void *arg)
{
    helper_call *h = arg;
    h->tid = harness_gettid();
    atomic_store(&h->started, true);
    if (h->cancel)
        h->result = ctimer_cancel(h->t);
    else
        ctimer_free(h->t);
    atomic_store(&h->done, true);
    return NULL;
}

static inline void helper_start(helper_call *h, ctimer_t *t, bool cancel)
{
    *h = (helper_call){ .t = t, .cancel = cancel };
    harness_thread_start(&h->thread, helper_body, h);
}

/* Waits (real time, at most ms) for the helper's call to return. */
static inline bool helper_wait_done(helper_call *h, unsigned ms)
{
    double end = harness_now_ms() + ms;
    while (!atomic_load(&h->done) && harness_now_ms() < end)
        harness_sleep_ms(1);
    return atomic_load(&h->done);
}

/* Waits until the helper's call has either returned (true) or been asleep
 * inside (blocked in the kernel) for 20 ms in a row (false); false too
 * after 3 s of neither (a call that spins has not returned). */
static inline bool helper_returns_without_waiting(helper_call *h)
{
    while (!atomic_load(&h->started))
        harness_sleep_ms(1);
    double end = harness_now_ms() + 3000;
    while (harness_now_ms() < end) {
        if (atomic_load(&h->done))
            return true;
        int tid = h->tid;
        if (harness_wait_asleep(&tid, 1, 20, 100))
            return atomic_load(&h->done);
    }
    return atomic_load(&h->done);
}

#endif
