/* test_support.h - lesson 07's test helpers, shared by the public tests and
 * the grader's hidden tests: takers on their own threads, puts and takes
 * recorded in the trace. Tests only; nothing here is part of the lesson's
 * API. The helpers every lesson may use (helper threads, HARNESS_CHECK, the
 * stall watch) are in grader/harness/harness.h. */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include "harness.h"
#include "wallet.h"

#include <pthread.h>
#include <stdatomic.h>

/* One taker: wallet_take (ms == 0) or wallet_take_timeout(ms). */
typedef struct taker {
    wallet_t *w;
    long amount;
    unsigned ms;
    int tid;
    atomic_bool started, done;
    bool result;
    double took_ms;
    pthread_t thread;
} taker;


static void *take_body(void *p)
{
    taker *t = p;
    t->tid = harness_gettid();
    atomic_store(&t->started, true);
    double t0 = harness_now_ms();
    if (t->ms == 0) {
        wallet_take(t->w, t->amount);
        t->result = true;
    } else {
        t->result = wallet_take_timeout(t->w, t->amount, t->ms);
    }
    t->took_ms = harness_now_ms() - t0;
    if (t->result)
        harness_trace("took", t->amount);
    atomic_store(&t->done, true);
    return NULL;
}

static void start_taker(taker *t, wallet_t *w, long amount, unsigned ms)
{
    *t = (taker){ .w = w, .amount = amount, .ms = ms };
    harness_thread_start(&t->thread, take_body, t);
}

static void put(wallet_t *w, long amount)
{
    harness_trace("put", amount);
    wallet_put(w, amount);
}

/* Waits until every taker has returned or is asleep in its wait (50 ms in a row). */
static bool settle(taker *t, int n)
{
    for (int i = 0; i < n; i++)
        while (!atomic_load(&t[i].started))
            harness_sleep_ms(1);
    double end = harness_now_ms() + 3000;
    while (harness_now_ms() < end) {
        int tids[64], m = 0;
        for (int i = 0; i < n; i++)
            if (!atomic_load(&t[i].done))
                tids[m++] = t[i].tid;
        if (m == 0 || harness_wait_asleep(tids, (size_t)m, 50, 100))
            return true;
    }
    return false;
}

/* How many takers have returned, waiting up to ms for `want` of them. */
static int returned(taker *t, int n, int want, unsigned ms)
{
    double end = harness_now_ms() + ms;
    int got;
    for (;;) {
        got = 0;
        for (int i = 0; i < n; i++)
            got += atomic_load(&t[i].done);
        if (got >= want || harness_now_ms() > end)
            return got;
        harness_sleep_ms(2);
    }
}

static void check_supply(long initial)
{
    static harness_trace_entry tr[4096];
    size_t n = harness_trace_read(tr, 4096);
    char why[256];
    HARNESS_CHECK(harness_trace_check_supply(tr, n, "put", "took", initial, why, sizeof why),
                  "%s. wallet_take must not return before the balance covers the amount: a "
                  "wake-up does not mean there is enough, so re-check in a while loop", why);
}

#endif
