/* rwlock_owner.c - correct, with another primitive: a read-write lock
 * used only for writing is the lock, write-locked by the owner from its
 * first acquire to its last release (trywrlock for rlock_try_acquire);
 * the owner is published in an atomic, and the depth is the owner's only.
 * Each thread is named by the address of a thread-local byte of its own. */
#define _POSIX_C_SOURCE 200809L /* pthread_rwlock_t */
#include "rlock.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

struct rlock {
    pthread_rwlock_t rw;    /* write-locked by the owner */
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
    if (pthread_rwlock_init(&l->rw, NULL) != 0) {
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
    pthread_rwlock_destroy(&l->rw);
    free(l);
}

/* Only the owner can find its own name there: no other thread writes it. */
static bool mine(rlock_t *l) { return atomic_load_explicit(&l->owner, memory_order_relaxed) == me(); }

void rlock_acquire(rlock_t *l)
{
    if (!mine(l)) {
        pthread_rwlock_wrlock(&l->rw);
        atomic_store_explicit(&l->owner, me(), memory_order_relaxed);
    }
    l->depth++;
}

bool rlock_try_acquire(rlock_t *l)
{
    if (!mine(l)) {
        if (pthread_rwlock_trywrlock(&l->rw) != 0)
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
        pthread_rwlock_unlock(&l->rw);
    }
    return 0;
}
