/* test_support.h - lesson 11's test helpers, shared by the public tests and
 * the grader's hidden tests: a step function that counts its calls, notes
 * when and on which thread each ran, and can be held; worker_stop on a
 * thread of its own; a daemon's fn. Tests only; nothing here is part of
 * the lesson's API. The helpers every lesson may use are in
 * grader/harness/harness.h.
 *
 * The test's step and fn run in the tests' process, on a thread that stands
 * for the student's thread that called them: they only record what they
 * see; the test checks it on its own thread afterwards.
 */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include "harness.h"
#include "stop.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#define MAX_STEPS 4096
#define HOUR_MS 3600000u

/* Real time, whatever the test's clock: for waiting on what the test's own
 * callbacks do (a held step stops a virtual clock, so a virtual sleep
 * would never end). */
static inline double real_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static inline void real_nap(void)
{
    struct timespec t = { 0, 250000 };
    nanosleep(&t, NULL);
}

/* Waits (real time) until *flag is true; false if ms passed first. */
static inline bool wait_flag(atomic_bool *flag, double ms)
{
    double end = real_ms() + ms;
    while (!atomic_load(flag)) {
        if (real_ms() > end)
            return false;
        real_nap();
    }
    return true;
}

/* Waits (real time) until *n >= at_least; false if ms passed first. */
static inline bool wait_count(atomic_int *n, int at_least, double ms)
{
    double end = real_ms() + ms;
    while (atomic_load(n) < at_least) {
        if (real_ms() > end)
            return false;
        real_nap();
    }
    return true;
}

/* The test's step: what it returns, how long it takes, which call it holds. */
typedef struct stepper {
    int last;            /* this call (1, 2, ..) returns false; 0: none does */
    double take_ms;      /* each call lasts this long (harness_sleep_ms)... */
    const double *takes; /* ...or call k lasts takes[k - 1] (k <= ntakes) */
    int ntakes;
    bool timed;          /* note when each call starts and ends (harness_now_ms) */
    int hold;            /* this call waits for `release` before returning; 0: none */
    bool hold_result;    /* and then returns this */
    atomic_bool held, release;
    atomic_int calls, returned, inside;
    atomic_bool overlapped;
    atomic_int tid;      /* the kernel id of the thread of the first call */
    int thread[MAX_STEPS];
    double start[MAX_STEPS], end[MAX_STEPS];
} stepper;

static inline bool test_step(void *p)
{
    stepper *s = p;
    int k = atomic_fetch_add(&s->calls, 1) + 1;
    if (atomic_fetch_add(&s->inside, 1) > 0)
        atomic_store(&s->overlapped, true);
    if (k == 1)
        atomic_store(&s->tid, harness_gettid());
    if (k <= MAX_STEPS) {
        s->thread[k - 1] = harness_thread_id();
        if (s->timed)
            s->start[k - 1] = harness_now_ms();
    }
    double take = s->takes && k <= s->ntakes ? s->takes[k - 1] : s->take_ms;
    if (take > 0)
        harness_sleep_ms(take);
    bool more = s->last == 0 || k < s->last;
    if (k == s->hold) {
        atomic_store(&s->held, true);
        wait_flag(&s->release, 10000);
        more = s->hold_result;
    }
    if (k <= MAX_STEPS && s->timed)
        s->end[k - 1] = harness_now_ms();
    atomic_fetch_sub(&s->inside, 1);
    atomic_fetch_add(&s->returned, 1);
    return more;
}

/* worker_stop(w) on a helper thread that first waits for `go`. */
typedef struct stopper {
    worker_t *w;
    atomic_bool ready, go, done;
    atomic_int tid;
    size_t result;
    double took_ms; /* on the test's clock */
    pthread_t thread;
} stopper;

static inline void *stop_body(void *p)
{
    stopper *st = p;
    atomic_store(&st->tid, harness_gettid());
    atomic_store(&st->ready, true);
    wait_flag(&st->go, 10000);
    double t0 = harness_now_ms();
    st->result = worker_stop(st->w);
    st->took_ms = harness_now_ms() - t0;
    atomic_store(&st->done, true);
    return NULL;
}

/* Starts the stopper; it calls worker_stop once `go` is set. */
static inline void stopper_start(stopper *st, worker_t *w, bool go)
{
    *st = (stopper){ .w = w };
    atomic_store(&st->go, go);
    harness_thread_start(&st->thread, stop_body, st);
    HARNESS_CHECK(wait_flag(&st->ready, 5000), "the test's stopping thread did not start");
}

/* After a worker_stop: the worker's thread must have been joined. */
static inline void check_joined(void)
{
    int left = harness_unjoined_threads();
    HARNESS_CHECK(left == 0, "worker_stop returned but %d thread%s started by worker_start "
                  "%s never joined: worker_stop must join the worker's thread (pthread_join), "
                  "not leave it running or detach it", left, left == 1 ? "" : "s",
                  left == 1 ? "was" : "were");
}

/* Every step ran on a thread of its own, not the caller's (caller: the
 * harness_thread_id of the thread that called worker_start). */
static inline void check_step_threads(const stepper *s, int caller)
{
    int n = atomic_load(&s->calls);
    for (int k = 0; k < n && k < MAX_STEPS; k++)
        HARNESS_CHECK(s->thread[k] != caller, "step call %d ran on the thread that called "
                      "worker_start: every step must run on the worker's own thread", k + 1);
    for (int k = 1; k < n && k < MAX_STEPS; k++)
        HARNESS_CHECK(s->thread[k] == s->thread[0], "step call %d ran on another thread than "
                      "call 1: one worker thread runs every step", k + 1);
    HARNESS_CHECK(!atomic_load(&s->overlapped), "two step calls of one worker ran at the same "
                  "time: the worker runs one step at a time");
}

/* A daemon's fn: notes its thread, then (when `hold`) waits until the test
 * says spawn_daemon has returned, or gives up after 3 s. */
typedef struct daemon_seen {
    bool hold;
    atomic_bool started, spawn_returned, finished;
    atomic_bool saw_return; /* spawn_daemon had returned while fn ran */
    atomic_int calls;
    int thread;
} daemon_seen;

static inline void test_daemon(void *p)
{
    daemon_seen *d = p;
    atomic_fetch_add(&d->calls, 1);
    d->thread = harness_thread_id();
    atomic_store(&d->started, true);
    if (d->hold)
        atomic_store(&d->saw_return, wait_flag(&d->spawn_returned, 3000));
    atomic_store(&d->finished, true);
}

#endif
