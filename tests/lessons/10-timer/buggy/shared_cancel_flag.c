/* BUG: the cancelled flag is one static variable for all timers (under one
 * lock): cancelling one timer cancels every timer started before the
 * others fired, and they never run.
 * expect: ordering */
#include "timer.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

enum state { PENDING, FIRED, CANCELLED };

static pthread_mutex_t flag_lock = PTHREAD_MUTEX_INITIALIZER;
static bool cancelled; /* BUG: one flag for all timers */

struct ctimer {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* signalled by a cancel; timed waits on CLOCK_MONOTONIC */
    enum state state;    /* under lock */
    struct timespec deadline;
    void (*fn)(void *);
    void *arg;
    pthread_t thread;
};

static void *timer_main(void *p)
{
    ctimer_t *t = p;
    pthread_mutex_lock(&t->lock);
    /* A wait can wake early (a cancel, or for no reason at all): loop until
     * the state changed or the one deadline has passed. */
    while (t->state == PENDING) {
        if (pthread_cond_timedwait(&t->wake, &t->lock, &t->deadline) == ETIMEDOUT &&
            t->state == PENDING)
            t->state = FIRED;
    }
    enum state s = t->state;
    pthread_mutex_unlock(&t->lock);
    pthread_mutex_lock(&flag_lock);
    if (cancelled)
        s = CANCELLED;
    pthread_mutex_unlock(&flag_lock);
    if (s == FIRED)
        t->fn(t->arg); /* without the lock: cancel and other timers go on meanwhile */
    return NULL;
}

ctimer_t *ctimer_start(unsigned delay_ms, void (*fn)(void *), void *arg)
{
    if (!fn)
        return NULL;
    ctimer_t *t = malloc(sizeof *t);
    if (!t)
        return NULL;
    t->state = PENDING;
    t->fn = fn;
    t->arg = arg;
    /* The deadline, once: now + delay. The multiplication is done in long
     * (at least 32 bits, and delay_ms % 1000 * 1000000 < 2^30 fits). */
    clock_gettime(CLOCK_MONOTONIC, &t->deadline);
    t->deadline.tv_sec += delay_ms / 1000;
    t->deadline.tv_nsec += (long)(delay_ms % 1000) * 1000000L;
    if (t->deadline.tv_nsec >= 1000000000L) {
        t->deadline.tv_sec++;
        t->deadline.tv_nsec -= 1000000000L;
    }

    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0)
        goto fail_attr;
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int err = pthread_cond_init(&t->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (err)
        goto fail_attr;
    if (pthread_mutex_init(&t->lock, NULL) != 0)
        goto fail_mutex;
    if (pthread_create(&t->thread, NULL, timer_main, t) != 0)
        goto fail_thread;
    return t;

fail_thread:
    pthread_mutex_destroy(&t->lock);
fail_mutex:
    pthread_cond_destroy(&t->wake);
fail_attr:
    free(t);
    return NULL;
}

bool ctimer_cancel(ctimer_t *t)
{
    pthread_mutex_lock(&t->lock);
    if (t->state == PENDING) {
        t->state = CANCELLED;
        pthread_mutex_lock(&flag_lock);
        cancelled = true; /* BUG: every timer's */
        pthread_mutex_unlock(&flag_lock);
        pthread_cond_signal(&t->wake);
    }
    bool never_runs = t->state == CANCELLED;
    pthread_mutex_unlock(&t->lock);
    return never_runs;
}

void ctimer_free(ctimer_t *t)
{
    if (!t)
        return;
    /* Pending: cancelled, the thread ends at once. Fired: the join waits
     * for fn to return. */
    ctimer_cancel(t);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->lock);
    free(t);
}
