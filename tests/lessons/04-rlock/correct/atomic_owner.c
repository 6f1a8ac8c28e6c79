/* atomic_owner.c - correct, in another style: the lock IS a plain mutex,
 * held by the owner from its first acquire to its last release; the owner
 * is published in an atomic, so any thread can ask "is it mine?" without
 * taking the mutex, and the depth is touched only by the owner.
 *
 * Each thread is named by the address of a thread-local byte of its own
 * (comparable atomically, unlike pthread_t). */
#include "rlock.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

struct rlock {
    pthread_mutex_t mu;     /* held by the owner */
    atomic_uintptr_t owner; /* the owner's name, 0: free */
    unsigned long depth;    /* read and written only by the owner */
};

static _Thread_local char my_name;

static uintptr_t me(void) { return (uintptr_t)&my_name; }

rlock_t *rlock_new(void)
{
    rlock_t *l = malloc(sizeof *l);
    if (!l)
        return NULL;
    if (pthread_mutex_init(&l->mu, NULL) != 0) {
        free(l);
        return NULL;
    }
    atomic_init(&l->owner, 0);
    l->depth = 0;
    return l;
}

void rlock_free(rlock_t *l)
{
    if (!l)
        return;
    pthread_mutex_destroy(&l->mu);
    free(l);
}

/* Only the owner can find its own name there: no other thread writes it. */
static bool mine(rlock_t *l) { return atomic_load_explicit(&l->owner, memory_order_relaxed) == me(); }

void rlock_acquire(rlock_t *l)
{
    if (!mine(l)) {
        pthread_mutex_lock(&l->mu);
        atomic_store_explicit(&l->owner, me(), memory_order_relaxed);
    }
    l->depth++;
}

bool rlock_try_acquire(rlock_t *l)
{
    if (!mine(l)) {
        if (pthread_mutex_trylock(&l->mu) != 0)
            return false;
        atomic_store_explicit(&l->owner, me(), memory_order_relaxed);
    }
    l->depth++;
    return true;
}

int rlock_release(rlock_t *l)
{
    if (!mine(l))
        return EPERM;
    if (--l->depth == 0) {
        atomic_store_explicit(&l->owner, 0, memory_order_relaxed);
        pthread_mutex_unlock(&l->mu);
    }
    return 0;
}
