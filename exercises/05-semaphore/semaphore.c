/* semaphore.c - lesson 05: your solution goes here.
 *
 * Read README.md first. Each function below is a stub: replace its body.
 * Helpers you add must be `static`. POSIX semaphores (sem_*) are not
 * allowed: build yours from a mutex and a condition variable.
 */
#include "semaphore.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct csem {
    unsigned long count; /* permits left */
    /* TODO: a mutex that guards count, and a condition variable that
     * threads waiting for a permit sleep on. */
};

csem_t *csem_new(unsigned value)
{
    /* TODO: allocate, set count to value, set up the mutex and the
     * condition variable (give it CLOCK_MONOTONIC for the timeouts). */
    (void)value;
    return NULL;
}

void csem_free(csem_t *s)
{
    /* TODO: destroy what csem_new set up, then free it. */
    (void)s;
}

void csem_acquire(csem_t *s)
{
    /* TODO: while there is no permit, wait on the condition variable;
     * then take one. */
    (void)s;
}

bool csem_try_acquire(csem_t *s)
{
    /* TODO: take a permit if there is one; never wait. */
    (void)s;
    return false;
}

bool csem_acquire_timeout(csem_t *s, unsigned ms)
{
    /* TODO: like csem_acquire, but wait at most until a deadline computed
     * once, before the loop: now (CLOCK_MONOTONIC) plus ms. */
    (void)s;
    (void)ms;
    return false;
}

void csem_release(csem_t *s)
{
    /* TODO: give a permit back and wake one waiting thread. */
    (void)s;
}

int run_limited(size_t n, size_t limit, void (*task)(size_t i))
{
    /* TODO: call task(0) .. task(n-1), each on a new thread, at most
     * `limit` at once (a csem_t of `limit` permits does it), and join
     * every thread before returning 0. EINVAL for limit 0 or no task. */
    (void)n;
    (void)limit;
    (void)task;
    return ENOSYS;
}
