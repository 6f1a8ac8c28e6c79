/* BUG: a task per OS thread ("tasks are just threads"): coro_spawn starts
 * a pthread, coro_sleep is nanosleep, awaits are condition waits, and
 * coro_run joins every thread before it returns. The timings come out
 * right, but the tasks are not on coro_run's thread (and now they need
 * locks): not one thread.
 * expect: functional */
#include "coro.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

struct coro {
    pthread_t thread;
    void *(*fn)(void *);
    void *arg, *result;
    bool done, cancelled;
    coro_t *next;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static coro_t *tasks;

static void *task_main(void *p)
{
    coro_t *t = p;
    void *r = t->fn(t->arg);
    pthread_mutex_lock(&mu);
    if (!t->cancelled)
        t->result = r;
    t->done = true;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&mu);
    return NULL;
}

void coro_run(void *(*main_fn)(void *), void *arg)
{
    main_fn(arg);
    pthread_mutex_lock(&mu);
    coro_t *all = tasks;
    tasks = NULL;
    for (coro_t *t = all; t; t = t->next)
        t->cancelled = true;
    pthread_mutex_unlock(&mu);
    pthread_cond_broadcast(&changed);
    for (coro_t *t = all; t;) { /* threads cannot be stopped: wait for them */
        coro_t *next = t->next;
        pthread_join(t->thread, NULL);
        free(t);
        t = next;
    }
}

coro_t *coro_spawn(void *(*fn)(void *), void *arg)
{
    coro_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->fn = fn;
    t->arg = arg;
    pthread_mutex_lock(&mu);
    if (pthread_create(&t->thread, NULL, task_main, t) != 0) {
        pthread_mutex_unlock(&mu);
        free(t);
        return NULL;
    }
    t->next = tasks;
    tasks = t;
    pthread_mutex_unlock(&mu);
    return t;
}

void coro_sleep(unsigned ms)
{
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static int wait_task(coro_t *t, long long ms, bool shield, void **result)
{
    struct timespec due;
    clock_gettime(CLOCK_REALTIME, &due);
    if (ms >= 0) {
        long long ns = due.tv_nsec + (ms % 1000) * 1000000LL;
        due.tv_sec += (time_t)(ms / 1000 + ns / 1000000000LL);
        due.tv_nsec = (long)(ns % 1000000000LL);
    }
    pthread_mutex_lock(&mu);
    int rc = 0;
    while (!t->done && !t->cancelled && rc != ETIMEDOUT)
        rc = ms >= 0 ? pthread_cond_timedwait(&changed, &mu, &due)
                     : pthread_cond_wait(&changed, &mu);
    if (!t->done && !t->cancelled) {
        if (!shield) {
            t->cancelled = true;
            pthread_cond_broadcast(&changed);
        }
        pthread_mutex_unlock(&mu);
        return ETIMEDOUT;
    }
    rc = t->cancelled ? ECANCELED : 0;
    if (!rc && result)
        *result = t->result;
    pthread_mutex_unlock(&mu);
    return rc;
}

int coro_await(coro_t *t, void **result) { return wait_task(t, -1, false, result); }

int coro_wait_for(coro_t *t, unsigned ms, void **result)
{
    return wait_task(t, ms, false, result);
}

int coro_wait_for_shielded(coro_t *t, unsigned ms, void **result)
{
    return wait_task(t, ms, true, result);
}

void coro_cancel(coro_t *t)
{
    pthread_mutex_lock(&mu);
    if (!t->done)
        t->cancelled = true;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&mu);
}

int coro_gather(coro_t *const ts[], size_t n, void *results[], int errors[])
{
    int first = 0;
    for (size_t i = 0; i < n; i++) {
        errors[i] = coro_await(ts[i], &results[i]);
        if (errors[i] != 0 && first == 0)
            first = errors[i];
    }
    return first;
}
