/* rlock.c - lesson 04: your solution goes here.
 *
 * Read README.md first. Each function below is a stub: replace its body.
 * Helpers you add must be `static`.
 */
#include "rlock.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

struct rlock {
    int unused;
    /* TODO: a mutex that guards the fields below, a condition variable
     * that waiting threads sleep on, the owner (a pthread_t) and the
     * depth (how many times the owner acquired it). */
};

rlock_t *rlock_new(void)
{
    /* TODO: allocate a free lock and set up its mutex and condition variable. */
    return NULL;
}

void rlock_free(rlock_t *l)
{
    /* TODO: destroy what rlock_new set up, then free the lock. */
    (void)l;
}

void rlock_acquire(rlock_t *l)
{
    /* TODO: if the calling thread owns the lock, one level deeper.
     * Otherwise wait (in a while loop) until the lock is free, then
     * become its owner at depth 1. */
    (void)l;
}

bool rlock_try_acquire(rlock_t *l)
{
    /* TODO: like rlock_acquire, but return false instead of waiting. */
    (void)l;
    return false;
}

int rlock_release(rlock_t *l)
{
    /* TODO: if the calling thread does not hold the lock, return EPERM
     * and change nothing. Otherwise one level less; at depth 0 the lock
     * is free: wake a thread waiting for it. */
    (void)l;
    return EPERM;
}
