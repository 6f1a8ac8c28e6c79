/* atomic_state.c - correct alternative: the timer's state is an atomic,
 * and whoever moves it from PENDING first (compare-and-swap) wins: the
 * thread at the deadline (to FIRED) or ctimer_cancel (to CANCELLED). The
 * mutex and condition variable serve only to sleep until the deadline and
 * to be woken by a cancel (which signals under the mutex, after its swap, so
 * the wake-up cannot be lost). Deadline checked against the clock by hand
 * rather than trusting ETIMEDOUT.
 */
#include "timer.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

enum { PENDING, FIRED, CANCELLED };

struct ctimer {
    atomic_int state;
    pthread_mutex_t lock;
    pthread_cond_t wake; /* CLOCK_MONOTONIC */
    struct timespec deadline;
    void (*fn)(void *);
    void *arg;
    pthread_t thread;
};

static bool passed(const struct timespec *deadline)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > deadline->tv_sec ||
           (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

static void *timer_main(void *p)
{
    ctimer_t *t = p;
    pthread_mutex_lock(&t->lock);
    while (atomic_load(&t->state) == PENDING && !passed(&t->deadline))
        pthread_cond_timedwait(&t->wake, &t->lock, &t->deadline);
    pthread_mutex_unlock(&t->lock);
    int expected = PENDING;
    if (atomic_compare_exchange_strong(&t->state, &expected, FIRED))
        t->fn(t->arg);
    return NULL;
}

ctimer_t *ctimer_start(unsigned delay_ms, void (*fn)(void *), void *arg)
{
    if (!fn)
        return NULL;
    ctimer_t *t = malloc(sizeof *t);
    if (!t)
        return NULL;
    atomic_init(&t->state, PENDING);
    t->fn = fn;
    t->arg = arg;
    clock_gettime(CLOCK_MONOTONIC, &t->deadline);
    uint64_t ns = (uint64_t)t->deadline.tv_nsec + (uint64_t)delay_ms * 1000000u;
    t->deadline.tv_sec += (time_t)(ns / 1000000000u);
    t->deadline.tv_nsec = (long)(ns % 1000000000u);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&t->lock, NULL);
    if (pthread_create(&t->thread, NULL, timer_main, t) != 0) {
        pthread_cond_destroy(&t->wake);
        pthread_mutex_destroy(&t->lock);
        free(t);
        return NULL;
    }
    return t;
}

bool ctimer_cancel(ctimer_t *t)
{
    int expected = PENDING;
    if (atomic_compare_exchange_strong(&t->state, &expected, CANCELLED)) {
        pthread_mutex_lock(&t->lock);
        pthread_cond_signal(&t->wake);
        pthread_mutex_unlock(&t->lock);
        return true;
    }
    return expected == CANCELLED;
}

void ctimer_free(ctimer_t *t)
{
    ctimer_cancel(t);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->lock);
    free(t);
}
