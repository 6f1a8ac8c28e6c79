/* BUG: a step that returns false is not counted: worker_stop returns one
 * fewer than the step calls that returned.
 * expect: functional */
#include "stop.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct worker {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake; /* signalled by worker_stop */
    bool (*step)(void *arg);
    void *arg;
    unsigned interval_ms;
    bool stop;           /* under mu */
    size_t steps;        /* step calls that returned; the worker's own until joined */
};

/* The absolute CLOCK_MONOTONIC time ms milliseconds from now. */
static struct timespec deadline_after(unsigned ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

/* Waits interval_ms, or less if worker_stop comes first. Returns true when
 * the worker must stop. */
static bool pause_or_stop(worker_t *w)
{
    struct timespec until = deadline_after(w->interval_ms);
    pthread_mutex_lock(&w->mu);
    int rc = 0;
    /* A loop: a wait may wake up without a signal. The deadline stays the
     * same, so such a wake-up does not lengthen the pause. */
    while (!w->stop && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&w->wake, &w->mu, &until);
    bool stop = w->stop;
    pthread_mutex_unlock(&w->mu);
    return stop;
}

static void *worker_main(void *p)
{
    worker_t *w = p;
    for (;;) {
        bool more = w->step(w->arg);
        if (!more)
            break; /* BUG: before counting it */
        w->steps++;
        if (pause_or_stop(w))
            break;
    }
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

    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        goto fail_free;
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&w->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (rc != 0)
        goto fail_free;
    if (pthread_mutex_init(&w->mu, NULL) != 0)
        goto fail_cond;
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
        goto fail_mutex;
    return w;

fail_mutex:
    pthread_mutex_destroy(&w->mu);
fail_cond:
    pthread_cond_destroy(&w->wake);
fail_free:
    free(w);
    return NULL;
}

size_t worker_stop(worker_t *w)
{
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->mu);

    /* The join waits for a running step to return; after it the worker's
     * count is ours to read. */
    pthread_join(w->thread, NULL);
    size_t steps = w->steps;
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->mu);
    free(w);
    return steps;
}

/* A daemon's fn has no thread's result: a small box carries fn and arg to
 * the new thread, which frees it. */
typedef struct daemon_box {
    void (*fn)(void *);
    void *arg;
} daemon_box;

static void *daemon_main(void *p)
{
    daemon_box b = *(daemon_box *)p;
    free(p);
    b.fn(b.arg);
    return NULL;
}

int spawn_daemon(void (*fn)(void *), void *arg)
{
    daemon_box *b = malloc(sizeof *b);
    if (!b)
        return ENOMEM;
    b->fn = fn;
    b->arg = arg;

    /* Created detached: nobody joins it, and its resources go back to the
     * system when fn returns. */
    pthread_attr_t attr;
    int rc = pthread_attr_init(&attr);
    if (rc != 0) {
        free(b);
        return rc;
    }
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    rc = pthread_create(&t, &attr, daemon_main, b);
    pthread_attr_destroy(&attr);
    if (rc != 0)
        free(b); /* fn never runs */
    return rc;
}
