/* BUG: the flag is atomic, so event_set stores it and broadcasts without
 * taking the mutex. No data race for ThreadSanitizer, but a lost wake-up: a
 * waiter that has checked the flag and is on its way into the wait misses
 * the broadcast and sleeps forever (the hidden set_races_with_wait).
 * expect: race */
#include "event.h"

#include <errno.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct event {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    atomic_bool set;
};

event_t *event_new(void)
{
    event_t *e = malloc(sizeof *e);
    if (!e)
        return NULL;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&e->changed, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&e->lock, NULL);
    atomic_init(&e->set, false);
    return e;
}

void event_free(event_t *e)
{
    if (!e)
        return;
    pthread_cond_destroy(&e->changed);
    pthread_mutex_destroy(&e->lock);
    free(e);
}

void event_set(event_t *e)
{
    atomic_store(&e->set, true);
    pthread_cond_broadcast(&e->changed);
}

void event_clear(event_t *e)
{
    pthread_mutex_lock(&e->lock);
    e->set = false;
    pthread_mutex_unlock(&e->lock);
}

bool event_is_set(event_t *e)
{
    pthread_mutex_lock(&e->lock);
    bool s = e->set;
    pthread_mutex_unlock(&e->lock);
    return s;
}

void event_wait(event_t *e)
{
    pthread_mutex_lock(&e->lock);
    while (!e->set)
        pthread_cond_wait(&e->changed, &e->lock);
    pthread_mutex_unlock(&e->lock);
}

bool event_wait_timeout(event_t *e, unsigned ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += ms / 1000;
    deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&e->lock);
    int rc = 0;
    while (!e->set && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&e->changed, &e->lock, &deadline);
    bool s = e->set;
    pthread_mutex_unlock(&e->lock);
    return s;
}
