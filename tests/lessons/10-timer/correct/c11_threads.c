/* c11_threads.c - correct alternative in C11 <threads.h>: thrd_create,
 * mtx_t, cnd_t and cnd_timedwait, whose deadline is on TIME_UTC (the
 * wall clock, from timespec_get), not CLOCK_MONOTONIC. The state machine is
 * the solution's: PENDING becomes FIRED or CANCELLED once, under the lock.
 */
#include "timer.h"

#include <stdlib.h>
#include <threads.h>
#include <time.h>

enum state { PENDING, FIRED, CANCELLED };

struct ctimer {
    mtx_t lock;
    cnd_t wake;
    enum state state;
    struct timespec deadline; /* TIME_UTC */
    void (*fn)(void *);
    void *arg;
    thrd_t thread;
};

static int timer_main(void *p)
{
    ctimer_t *t = p;
    mtx_lock(&t->lock);
    while (t->state == PENDING)
        if (cnd_timedwait(&t->wake, &t->lock, &t->deadline) == thrd_timedout &&
            t->state == PENDING)
            t->state = FIRED;
    enum state s = t->state;
    mtx_unlock(&t->lock);
    if (s == FIRED)
        t->fn(t->arg);
    return 0;
}

ctimer_t *ctimer_start(unsigned delay_ms, void (*fn)(void *), void *arg)
{
    if (!fn)
        return NULL;
    ctimer_t *t = malloc(sizeof *t);
    if (!t)
        return NULL;
    *t = (ctimer_t){ .state = PENDING, .fn = fn, .arg = arg };
    timespec_get(&t->deadline, TIME_UTC);
    long long ns = t->deadline.tv_nsec + (long long)delay_ms * 1000000LL;
    t->deadline.tv_sec += (time_t)(ns / 1000000000LL);
    t->deadline.tv_nsec = (long)(ns % 1000000000LL);
    if (mtx_init(&t->lock, mtx_plain) != thrd_success) {
        free(t);
        return NULL;
    }
    if (cnd_init(&t->wake) != thrd_success) {
        mtx_destroy(&t->lock);
        free(t);
        return NULL;
    }
    if (thrd_create(&t->thread, timer_main, t) != thrd_success) {
        cnd_destroy(&t->wake);
        mtx_destroy(&t->lock);
        free(t);
        return NULL;
    }
    return t;
}

bool ctimer_cancel(ctimer_t *t)
{
    mtx_lock(&t->lock);
    if (t->state == PENDING) {
        t->state = CANCELLED;
        cnd_signal(&t->wake);
    }
    bool never_runs = t->state == CANCELLED;
    mtx_unlock(&t->lock);
    return never_runs;
}

void ctimer_free(ctimer_t *t)
{
    ctimer_cancel(t);
    thrd_join(t->thread, NULL);
    cnd_destroy(&t->wake);
    mtx_destroy(&t->lock);
    free(t);
}
