/* test_support.h - lesson 06's test helpers, shared by the public tests and
 * the grader's hidden tests: waiters on their own threads and settling until
 * they sleep. Tests only; nothing here is part of the lesson's API. The
 * helpers every lesson may use (helper threads, HARNESS_CHECK, the stall
 * watch) are in grader/harness/harness.h. */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include "harness.h"
#include "event.h"

#include <pthread.h>
#include <stdatomic.h>

/* One waiting thread: event_wait (ms == 0) or event_wait_timeout(ms). */
typedef struct waiter {
    event_t *e;
    unsigned ms;
    int tid;
    atomic_bool started, done;
    bool result;
    double took_ms;
    pthread_t thread;
} waiter;


static void *wait_body(void *p)
{
    waiter *w = p;
    w->tid = harness_gettid();
    atomic_store(&w->started, true);
    double t0 = harness_now_ms();
    if (w->ms == 0) {
        event_wait(w->e);
        w->result = true;
    } else {
        w->result = event_wait_timeout(w->e, w->ms);
    }
    w->took_ms = harness_now_ms() - t0;
    harness_trace("woke", w->result);
    atomic_store(&w->done, true);
    return NULL;
}

static void start_waiter(waiter *w, event_t *e, unsigned ms)
{
    *w = (waiter){ .e = e, .ms = ms };
    harness_thread_start(&w->thread, wait_body, w);
}

/* Waits up to ms for the waiter to return; true (and joined) if it did. */
static bool finish_waiter(waiter *w, unsigned ms)
{
    double end = harness_now_ms() + ms;
    while (!atomic_load(&w->done) && harness_now_ms() < end)
        harness_sleep_ms(0.2);
    if (!atomic_load(&w->done))
        return false;
    harness_thread_join(w->thread);
    return true;
}

/* Waits until every waiter has either returned or is asleep inside the wait
 * (checked for 50 ms in a row). False after 3 s. */
static bool settle(waiter *w, int n)
{
    for (int i = 0; i < n; i++)
        while (!atomic_load(&w[i].started))
            harness_sleep_ms(1);
    double end = harness_now_ms() + 3000;
    while (harness_now_ms() < end) {
        int tids[64], m = 0;
        for (int i = 0; i < n; i++)
            if (!atomic_load(&w[i].done))
                tids[m++] = w[i].tid;
        if (m == 0 || harness_wait_asleep(tids, (size_t)m, 50, 100))
            return true;
    }
    return false;
}

/* Starts n waiters and returns once they are all asleep inside the wait. */
static void start_sleeping_waiters(waiter *w, int n, event_t *e, unsigned ms)
{
    for (int i = 0; i < n; i++)
        start_waiter(&w[i], e, ms);
    bool asleep = settle(w, n);
    for (int i = 0; i < n; i++)
        HARNESS_CHECK(!atomic_load(&w[i].done),
                      "a wait returned although nobody had set the event yet");
    HARNESS_CHECK(asleep, "the %d waiting threads did not go to sleep within 3 s: a wait "
                  "should block (in pthread_cond_wait), not spin", n);
}

#endif
