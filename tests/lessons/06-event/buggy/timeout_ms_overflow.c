/* BUG: the timed wait's deadline adds ms * 1000000 nanoseconds computed in
 * 32 bits: beyond 4294 ms it wraps (5000 ms becomes 705 ms), so a long
 * timeout gives up far too early. Short timeouts are right, and no real-time
 * test waits long enough to see it; a 5 s timeout in virtual time shows it
 * in a few milliseconds of real time.
 * expect: timing */
#include "event.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct event {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    bool set;
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
    e->set = false;
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
    pthread_mutex_lock(&e->lock);
    e->set = true;
    pthread_cond_broadcast(&e->changed);
    pthread_mutex_unlock(&e->lock);
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
    unsigned ns = ms * 1000000u; /* BUG: 32 bits: wraps beyond 4294 ms */
    deadline.tv_sec += ns / 1000000000u;
    deadline.tv_nsec += (long)(ns % 1000000000u);
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
