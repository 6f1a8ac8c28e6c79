/* coro.c - lesson 22: your solution goes here.
 *
 * Read README.md first. Each function below is a stub: replace its body.
 * Helpers you add must be `static`.
 */
#include "coro.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <ucontext.h>

struct coro {
    ucontext_t ctx;
    /* TODO: the task's function, argument and result; its stack; its state
     * (ready, sleeping, waiting, done, cancelled); when it wakes (a sleep or
     * a timed wait); the task it awaits and the tasks awaiting it; links
     * for the run queue, the sleepers and the list of every task. */
};

/* TODO: the scheduler's state: coro_run's own context, the running task,
 * the run queue (first in, first out), the sleepers sorted by due time, and
 * every task of the run (to free them when the main task returns). */

void coro_run(void *(*main_fn)(void *), void *arg)
{
    /* TODO: make the main task; then, until it has finished: move the
     * sleepers that are due to the run queue; run the first ready task
     * (swapcontext) until it suspends or returns; when nothing is ready,
     * sleep until the first sleeper is due (the only place the thread
     * waits). Then free every task. */
    (void)main_fn;
    (void)arg;
}

coro_t *coro_spawn(void *(*fn)(void *), void *arg)
{
    /* TODO: calloc the task, malloc its stack (64 KiB for the task, more
     * for libc and signal handlers), getcontext + makecontext with uc_link
     * back to coro_run's context; put it in the run queue. */
    (void)fn;
    (void)arg;
    return NULL;
}

void coro_sleep(unsigned ms)
{
    /* TODO: into the sleepers (due now + ms), then back to the scheduler. */
    (void)ms;
}

int coro_await(coro_t *t, void **result)
{
    /* TODO: unless t has finished, join t's awaiters and suspend; then 0
     * and t's result, or ECANCELED. */
    (void)t;
    (void)result;
    return ENOSYS;
}

void coro_cancel(coro_t *t)
{
    /* TODO: a suspended task stops where it is (out of the run queue, the
     * sleepers and its awaited task's awaiters; not that task itself) and
     * its awaiters wake; the running task stops at its next suspension
     * point. */
    (void)t;
}

int coro_wait_for(coro_t *t, unsigned ms, void **result)
{
    /* TODO: as coro_await, also in the sleepers; on time out, leave t's
     * awaiters, cancel t, ETIMEDOUT. */
    (void)t;
    (void)ms;
    (void)result;
    return ENOSYS;
}

int coro_wait_for_shielded(coro_t *t, unsigned ms, void **result)
{
    /* TODO: as coro_wait_for, without the cancel. */
    (void)t;
    (void)ms;
    (void)result;
    return ENOSYS;
}

int coro_gather(coro_t *const ts[], size_t n, void *results[], int errors[])
{
    /* TODO: await each task in turn (by index); the first nonzero error. */
    (void)ts;
    (void)n;
    (void)results;
    (void)errors;
    return ENOSYS;
}
