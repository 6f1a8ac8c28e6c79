/* one_big_lock.c - correct alternative: one mutex for every timer's state
 * (never held while fn runs), a condition variable per timer, and the
 * deadline on CLOCK_REALTIME (the condition variable's default clock).
 * Booleans instead of an enum: `started` and `cancelled`, never both.
 */
#include "timer.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t big_lock = PTHREAD_MUTEX_INITIALIZER;

struct ctimer {
    pthread_cond_t wake;   /* default clock: CLOCK_REALTIME */
    bool started, cancelled; /* under big_lock */
    struct timespec deadline;
    void (*fn)(void *);
    void *arg;
    pthread_t thread;
};

static void *timer_main(void *p)
{
    ctimer_t *t = p;
    pthread_mutex_lock(&big_lock);
    int rc = 0;
    while (!t->cancelled && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&t->wake, &big_lock, &t->deadline);
    t->started = !t->cancelled;
    bool run = t->started;
    pthread_mutex_unlock(&big_lock);
    if (run)
        t->fn(t->arg);
    return NULL;
}

ctimer_t *ctimer_start(unsigned delay_ms, void (*fn)(void *), void *arg)
{
    if (!fn)
        return NULL;
    ctimer_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->fn = fn;
    t->arg = arg;
    clock_gettime(CLOCK_REALTIME, &t->deadline);
    t->deadline.tv_sec += delay_ms / 1000;
    t->deadline.tv_nsec += (long)(delay_ms % 1000) * 1000000L;
    while (t->deadline.tv_nsec >= 1000000000L) {
        t->deadline.tv_sec++;
        t->deadline.tv_nsec -= 1000000000L;
    }
    pthread_cond_init(&t->wake, NULL);
    if (pthread_create(&t->thread, NULL, timer_main, t) != 0) {
        pthread_cond_destroy(&t->wake);
        free(t);
        return NULL;
    }
    return t;
}

bool ctimer_cancel(ctimer_t *t)
{
    pthread_mutex_lock(&big_lock);
    if (!t->started && !t->cancelled) {
        t->cancelled = true;
        pthread_cond_signal(&t->wake);
    }
    bool never_runs = t->cancelled;
    pthread_mutex_unlock(&big_lock);
    return never_runs;
}

void ctimer_free(ctimer_t *t)
{
    ctimer_cancel(t);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->wake);
    free(t);
}
