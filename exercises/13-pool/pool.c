/* pool.c - lesson 13: your solution goes here.
 *
 * Read README.md first. Each function below is a stub: replace its body.
 * Helpers you add must be `static`.
 */
#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

struct future {
    void *(*fn)(void *);
    void *arg;
    /* TODO: a mutex and a condition variable; the done flag and the result;
     * the list of callbacks registered before the future was done; a link
     * for the pool's queue. */
};

struct pool {
    size_t nworkers;
    /* TODO: the worker threads; a mutex; a condition variable the idle
     * workers wait on; the queue of tasks (first in, first out); a shutdown
     * flag; how many workers are busy. */
};

/* TODO: the worker's loop: take the oldest task from the queue (wait while
 * it is empty and the pool is not shut down; end when it is shut down and
 * empty), run fn(arg) without any lock held, then, under the future's mutex:
 * store the value, mark it done, take its list of callbacks, wake every
 * thread waiting in future_result. Then run the callbacks, with no lock held. */

pool_t *pool_new(size_t workers)
{
    /* TODO: NULL for 0 workers. Set up the pool and start its workers (or
     * start them later, on demand, in pool_submit: never more than
     * `workers`). If a thread cannot be created, stop and join the ones
     * started, and return NULL. */
    (void)workers;
    return NULL;
}

future_t *pool_submit(pool_t *p, void *(*fn)(void *), void *arg)
{
    /* TODO: NULL after pool_shutdown. Make a future, append it to the queue,
     * wake one idle worker, return the future. Never run fn here. */
    (void)p;
    (void)fn;
    (void)arg;
    return NULL;
}

void *future_result(future_t *f)
{
    /* TODO: wait (in a while loop) until f is done; return its value. */
    (void)f;
    return NULL;
}

bool future_done(future_t *f)
{
    /* TODO: the done flag, read under the future's mutex. */
    (void)f;
    return false;
}

void future_on_done(future_t *f, void (*cb)(future_t *f, void *ctx), void *ctx)
{
    /* TODO: under the future's mutex: not done yet, add cb to its list (the
     * worker runs it); done already, call cb(f, ctx) right here, after
     * releasing the mutex. */
    (void)f;
    (void)cb;
    (void)ctx;
}

void future_free(future_t *f)
{
    /* TODO: destroy and free what the future holds. */
    (void)f;
}

int pool_map(pool_t *p, void *(*fn)(void *), void *const args[], void *results[], size_t n)
{
    /* TODO: ECANCELED after pool_shutdown. Submit every call first, then
     * collect the results in the order of args[]. */
    (void)p;
    (void)fn;
    (void)args;
    (void)results;
    (void)n;
    return ENOSYS;
}

void pool_shutdown(pool_t *p, bool wait)
{
    /* TODO: set the shutdown flag and wake every idle worker. With wait,
     * block until the queue is empty and no worker is busy. */
    (void)p;
    (void)wait;
}

void pool_free(pool_t *p)
{
    /* TODO: shut down (waiting), join every worker, free the pool. */
    (void)p;
}
