/* BUG: the timed wait computes a new deadline, a whole timeout away, after
 * every wake-up: each wake-up that does not end the wait (spurious, or
 * one that finds the condition still false) pushes the end further out,
 * and a wait that is woken often never gives up. The grader's spurious
 * wake-ups in virtual time come part-way through the wait, so it overruns
 * by exactly that much.
 * expect: timing */
#include "wallet.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct wallet {
    pthread_mutex_t lock;
    pthread_cond_t more_money;
    long balance;
};

wallet_t *wallet_new(long balance)
{
    wallet_t *w = malloc(sizeof *w);
    if (!w)
        return NULL;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->more_money, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&w->lock, NULL);
    w->balance = balance;
    return w;
}

void wallet_free(wallet_t *w)
{
    if (!w)
        return;
    pthread_cond_destroy(&w->more_money);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

void wallet_put(wallet_t *w, long amount)
{
    pthread_mutex_lock(&w->lock);
    w->balance += amount;
    pthread_cond_broadcast(&w->more_money);
    pthread_mutex_unlock(&w->lock);
}

void wallet_take(wallet_t *w, long amount)
{
    pthread_mutex_lock(&w->lock);
    while (w->balance < amount)
        pthread_cond_wait(&w->more_money, &w->lock);
    w->balance -= amount;
    pthread_mutex_unlock(&w->lock);
}

bool wallet_take_timeout(wallet_t *w, long amount, unsigned ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += ms / 1000;
    deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->lock);
    int rc = 0;
    while (w->balance < amount && rc != ETIMEDOUT) {
        rc = pthread_cond_timedwait(&w->more_money, &w->lock, &deadline);
        /* BUG: a fresh deadline after every wake-up: the timeout restarts */
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += ms / 1000;
        deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
    }
    bool ok = w->balance >= amount;
    if (ok)
        w->balance -= amount;
    pthread_mutex_unlock(&w->lock);
    return ok;
}

long wallet_balance(wallet_t *w)
{
    pthread_mutex_lock(&w->lock);
    long b = w->balance;
    pthread_mutex_unlock(&w->lock);
    return b;
}
