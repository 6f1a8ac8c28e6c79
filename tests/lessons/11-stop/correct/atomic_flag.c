/* A correct alternative: the stop flag is an atomic, read by the worker
 * without a lock between steps; the mutex and condition serve only the
 * pause. worker_stop stores the flag and then signals with the mutex held,
 * and the worker checks the flag again under the mutex before each wait,
 * so no wake-up is lost. The step count is an atomic too. The daemon is
 * created joinable and detached at once by spawn_daemon. */
#include "stop.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

struct worker {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    bool (*step)(void *arg);
    void *arg;
    unsigned interval_ms;
    atomic_bool stop;
    atomic_size_t steps;
};

static void *worker_main(void *p)
{
    worker_t *w = p;
    while (!atomic_load(&w->stop)) {
        bool more = w->step(w->arg);
        atomic_fetch_add(&w->steps, 1);
        if (!more)
            break;
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        long long ns = until.tv_nsec + (long long)w->interval_ms * 1000000LL;
        until.tv_sec += (time_t)(ns / 1000000000LL);
        until.tv_nsec = (long)(ns % 1000000000LL);
        pthread_mutex_lock(&w->mu);
        int rc = 0;
        while (!atomic_load(&w->stop) && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&w->wake, &w->mu, &until);
        pthread_mutex_unlock(&w->mu);
    }
    return NULL;
}

worker_t *worker_start(bool (*step)(void *arg), void *arg, unsigned interval_ms)
{
    worker_t *w = malloc(sizeof *w);
    if (!w)
        return NULL;
    w->step = step;
    w->arg = arg;
    w->interval_ms = interval_ms;
    atomic_init(&w->stop, false);
    atomic_init(&w->steps, 0);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&w->mu, NULL);
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->wake);
        free(w);
        return NULL;
    }
    return w;
}

size_t worker_stop(worker_t *w)
{
    atomic_store(&w->stop, true);
    pthread_mutex_lock(&w->mu); /* the worker is either before its check or in its wait */
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    size_t steps = atomic_load(&w->steps);
    pthread_mutex_destroy(&w->mu);
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
    pthread_t t;
    int rc = pthread_create(&t, NULL, daemon_main, j);
    if (rc != 0) {
        free(j);
        return rc;
    }
    pthread_detach(t);
    return 0;
}
