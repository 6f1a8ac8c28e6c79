/* A correct alternative with a different wait structure: every waiting
 * taker sleeps on a condition variable of its own, in a list; a put signals
 * exactly the takers whose amount the new balance covers (they re-check in a
 * while loop: another may have taken the money first, and then waits for the
 * next put). A take never adds money, so it wakes nobody. Must get full
 * marks. */
#include "wallet.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

typedef struct taker {
    long amount;
    pthread_cond_t wake; /* on CLOCK_MONOTONIC */
    struct taker *next;
} taker;

struct wallet {
    pthread_mutex_t lock;
    long balance;
    taker *waiting; /* the takers asleep in wallet_take(_timeout) */
};

wallet_t *wallet_new(long balance)
{
    wallet_t *w = malloc(sizeof *w);
    if (!w)
        return NULL;
    pthread_mutex_init(&w->lock, NULL);
    w->balance = balance;
    w->waiting = NULL;
    return w;
}

void wallet_free(wallet_t *w)
{
    if (!w)
        return;
    pthread_mutex_destroy(&w->lock);
    free(w);
}

void wallet_put(wallet_t *w, long amount)
{
    pthread_mutex_lock(&w->lock);
    w->balance += amount;
    for (taker *t = w->waiting; t; t = t->next)
        if (t->amount <= w->balance)
            pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&w->lock);
}

static void join_queue(wallet_t *w, taker *t, long amount)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->wake, &ca);
    pthread_condattr_destroy(&ca);
    t->amount = amount;
    t->next = w->waiting;
    w->waiting = t;
}

static void leave_queue(wallet_t *w, taker *t)
{
    for (taker **p = &w->waiting; *p; p = &(*p)->next)
        if (*p == t) {
            *p = t->next;
            break;
        }
    pthread_cond_destroy(&t->wake);
}

void wallet_take(wallet_t *w, long amount)
{
    pthread_mutex_lock(&w->lock);
    if (w->balance < amount) {
        taker me;
        join_queue(w, &me, amount);
        while (w->balance < amount)
            pthread_cond_wait(&me.wake, &w->lock);
        leave_queue(w, &me);
    }
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
    if (w->balance < amount) {
        taker me;
        join_queue(w, &me, amount);
        int rc = 0;
        while (w->balance < amount && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&me.wake, &w->lock, &deadline);
        leave_queue(w, &me);
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
