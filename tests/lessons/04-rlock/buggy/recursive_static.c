/* recursive_static.c - the lesson's work done by a recursive mutex, made
 * recursive by its static initialiser (no forbidden call to see at build
 * time): the grader reads the mutex's kind when it is locked and refuses
 * it. The owner is kept (atomically) only to answer EPERM.
 * expect: functional race deadlock */
#define _GNU_SOURCE
#include "rlock.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

struct rlock {
    pthread_mutex_t mu;
    atomic_uintptr_t owner; /* &my_token of the owning thread, 0: free */
    unsigned long depth;    /* the owner's only */
};

static _Thread_local char my_token;

rlock_t *rlock_new(void)
{
    static const pthread_mutex_t recursive = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
    rlock_t *l = malloc(sizeof *l);
    if (!l)
        return NULL;
    l->mu = recursive; /* BUG: a recursive mutex */
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

void rlock_acquire(rlock_t *l)
{
    pthread_mutex_lock(&l->mu);
    atomic_store(&l->owner, (uintptr_t)&my_token);
    l->depth++;
}

bool rlock_try_acquire(rlock_t *l)
{
    if (pthread_mutex_trylock(&l->mu) != 0)
        return false;
    atomic_store(&l->owner, (uintptr_t)&my_token);
    l->depth++;
    return true;
}

int rlock_release(rlock_t *l)
{
    if (atomic_load(&l->owner) != (uintptr_t)&my_token)
        return EPERM;
    if (--l->depth == 0)
        atomic_store(&l->owner, 0);
    pthread_mutex_unlock(&l->mu);
    return 0;
}
