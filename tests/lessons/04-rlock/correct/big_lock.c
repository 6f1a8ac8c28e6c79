/* big_lock.c - correct, in another style: one mutex for every lock of the
 * program (simple, and slow only when many locks are busy at once), a
 * condition variable per lock, and a broadcast when a lock becomes free:
 * every waiter wakes, one wins, the others wait again. */
#include "rlock.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t big = PTHREAD_MUTEX_INITIALIZER; /* guards every rlock's fields */

struct rlock {
    pthread_cond_t freed;
    bool held;
    pthread_t owner; /* when held */
    unsigned long depth;
};

rlock_t *rlock_new(void)
{
    rlock_t *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    if (pthread_cond_init(&l->freed, NULL) != 0) {
        free(l);
        return NULL;
    }
    return l;
}

void rlock_free(rlock_t *l)
{
    if (!l)
        return;
    pthread_cond_destroy(&l->freed);
    free(l);
}

void rlock_acquire(rlock_t *l)
{
    pthread_t self = pthread_self();
    pthread_mutex_lock(&big);
    while (l->held && !pthread_equal(l->owner, self))
        pthread_cond_wait(&l->freed, &big);
    l->held = true;
    l->owner = self;
    l->depth++;
    pthread_mutex_unlock(&big);
}

bool rlock_try_acquire(rlock_t *l)
{
    pthread_t self = pthread_self();
    pthread_mutex_lock(&big);
    bool ok = !l->held || pthread_equal(l->owner, self);
    if (ok) {
        l->held = true;
        l->owner = self;
        l->depth++;
    }
    pthread_mutex_unlock(&big);
    return ok;
}

int rlock_release(rlock_t *l)
{
    int rc = EPERM;
    pthread_mutex_lock(&big);
    if (l->held && pthread_equal(l->owner, pthread_self())) {
        rc = 0;
        if (--l->depth == 0) {
            l->held = false;
            pthread_cond_broadcast(&l->freed);
        }
    }
    pthread_mutex_unlock(&big);
    return rc;
}
