/* BUG: the timed wait computes a new deadline, a whole timeout away, after
 * every wake-up: each wake-up that does not end the wait (spurious, or
 * one that finds the condition still false) pushes the end further out,
 * and a wait that is woken often never gives up. The grader's spurious
 * wake-ups in virtual time come part-way through the wait, so it overruns
 * by exactly that much.
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
    deadline.tv_sec += ms / 1000;
    deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&e->lock);
    int rc = 0;
    while (!e->set && rc != ETIMEDOUT) {
        rc = pthread_cond_timedwait(&e->changed, &e->lock, &deadline);
        /* BUG: a fresh deadline after every wake-up: the timeout restarts */
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += ms / 1000;
        deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
    }
    bool s = e->set;
    pthread_mutex_unlock(&e->lock);
    return s;
}
