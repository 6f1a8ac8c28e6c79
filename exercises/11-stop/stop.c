/* stop.c - lesson 11: your solution goes here.
 *
 * Read README.md first. Each function below is a stub: replace its body.
 * Helpers you add must be `static`.
 */
#include "stop.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct worker {
    bool (*step)(void *arg);
    void *arg;
    unsigned interval_ms;
    size_t steps;
    /* TODO: the worker's thread, a stop flag, and a mutex and a condition
     * variable for the pause between steps (so that worker_stop can cut the
     * pause short). */
};

worker_t *worker_start(bool (*step)(void *arg), void *arg, unsigned interval_ms)
{
    /* TODO: allocate a worker, set up its mutex and condition variable (use
     * CLOCK_MONOTONIC: pthread_condattr_setclock), and start its thread. The
     * thread calls step at once, then after each step that returned true
     * waits interval_ms in pthread_cond_timedwait (not sleep: a sleep
     * cannot be cut short) until the step returns false or the stop flag is
     * set. Return NULL if anything fails, after undoing what was done. */
    (void)step;
    (void)arg;
    (void)interval_ms;
    return NULL;
}

size_t worker_stop(worker_t *w)
{
    /* TODO: under the mutex, set the stop flag and signal the condition;
     * then join the thread (this waits for a running step), free the worker
     * and return how many steps returned. */
    (void)w;
    return 0;
}

int spawn_daemon(void (*fn)(void *), void *arg)
{
    /* TODO: start a thread that calls fn(arg), detached (a thread attribute,
     * or pthread_detach) so that nobody has to join it; do not wait for it.
     * Return 0, or the error pthread_create returned. */
    (void)fn;
    (void)arg;
    return ENOSYS;
}
