/* A correct alternative with one big lock: a single mutex guards every
 * worker's state (its flag and its count), each worker has its own
 * condition to pause on. The pause is a loop of timed waits toward one
 * deadline computed once. Simple and correct; the workers only contend
 * for the lock for a moment after each step. */
#include "stop.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t big = PTHREAD_MUTEX_INITIALIZER;

struct worker {
    pthread_t thread;
    pthread_cond_t wake;
    bool (*step)(void *arg);
    void *arg;
    unsigned interval_ms;
    bool stop;    /* under big */
    size_t steps; /* under big */
};

static void *worker_main(void *p)
{
    worker_t *w = p;
    pthread_mutex_lock(&big);
    while (!w->stop) {
        pthread_mutex_unlock(&big);
        bool more = w->step(w->arg);
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += w->interval_ms / 1000;
        until.tv_nsec += (long)(w->interval_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&big);
        w->steps++;
        if (!more)
            break;
        int rc = 0;
        while (!w->stop && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&w->wake, &big, &until);
    }
    pthread_mutex_unlock(&big);
    return NULL;
}

worker_t *worker_start(bool (*step)(void *arg), void *arg, unsigned interval_ms)
{
    worker_t *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->step = step;
    w->arg = arg;
    w->interval_ms = interval_ms;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&w->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (rc != 0 || pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        if (rc == 0)
            pthread_cond_destroy(&w->wake);
        free(w);
        return NULL;
    }
    return w;
}

size_t worker_stop(worker_t *w)
{
    pthread_mutex_lock(&big);
    w->stop = true;
    pthread_cond_broadcast(&w->wake);
    pthread_mutex_unlock(&big);
    pthread_join(w->thread, NULL);
    pthread_mutex_lock(&big);
    size_t steps = w->steps;
    pthread_mutex_unlock(&big);
    pthread_cond_destroy(&w->wake);
    free(w);
    return steps;
}

struct job {
    void (*fn)(void *);
    void *arg;
};

static void *daemon_main(void *p)
{
    struct job j = *(struct job *)p;
    free(p);
    j.fn(j.arg);
    return NULL;
}

int spawn_daemon(void (*fn)(void *), void *arg)
{
    struct job *j = malloc(sizeof *j);
    if (!j)
        return ENOMEM;
    j->fn = fn;
    j->arg = arg;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    int rc = pthread_create(&t, &attr, daemon_main, j);
    pthread_attr_destroy(&attr);
    if (rc != 0)
        free(j);
    return rc;
}
