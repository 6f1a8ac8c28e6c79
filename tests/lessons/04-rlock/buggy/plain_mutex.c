/* plain_mutex.c - seed 003's first try, Lock() where RLock() was needed:
 * the lock is a plain mutex, held from rlock_acquire to rlock_release. The
 * owner's second acquire locks a mutex it already holds and waits for
 * itself forever. (The owner is kept, atomically, to answer EPERM.)
 * expect: functional deadlock race */
#include "rlock.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

struct rlock {
    pthread_mutex_t mu;
    atomic_uintptr_t owner; /* &my_token of the owning thread, 0: free */
};

static _Thread_local char my_token;

rlock_t *rlock_new(void)
{
    rlock_t *l = malloc(sizeof *l);
    if (!l)
        return NULL;
    pthread_mutex_init(&l->mu, NULL);
    atomic_init(&l->owner, 0);
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
    pthread_mutex_lock(&l->mu); /* BUG: the owner locks it again */
    atomic_store(&l->owner, (uintptr_t)&my_token);
}

bool rlock_try_acquire(rlock_t *l)
{
    if (pthread_mutex_trylock(&l->mu) != 0)
        return false;
    atomic_store(&l->owner, (uintptr_t)&my_token);
    return true;
}

int rlock_release(rlock_t *l)
{
    if (atomic_load(&l->owner) != (uintptr_t)&my_token)
        return EPERM;
    atomic_store(&l->owner, 0);
    pthread_mutex_unlock(&l->mu);
    return 0;
}
