/* owner_written_unlocked.c - rlock_acquire waits for the lock under the
 * mutex and counts it taken, but names itself the owner after unlocking
 * the mutex: the new owner writes owner while other threads read it under
 * the mutex (held_by_me, in their acquire, try and release). A data race
 * (ThreadSanitizer).
 * expect: race */
#include "rlock.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

struct rlock {
    pthread_mutex_t mu;   /* guards owner and depth */
    pthread_cond_t freed; /* signalled when depth drops to 0 */
    pthread_t owner;      /* meaningful only while depth > 0 */
    unsigned long depth;  /* 0: free */
};

rlock_t *rlock_new(void)
{
    rlock_t *l = malloc(sizeof *l);
    if (!l)
        return NULL;
    if (pthread_mutex_init(&l->mu, NULL) != 0)
        goto fail_mutex;
    if (pthread_cond_init(&l->freed, NULL) != 0)
        goto fail_cond;
    l->depth = 0;
    return l;

fail_cond:
    pthread_mutex_destroy(&l->mu);
fail_mutex:
    free(l);
    return NULL;
}

void rlock_free(rlock_t *l)
{
    if (!l)
        return;
    pthread_cond_destroy(&l->freed);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

/* Under l->mu: true when the calling thread owns the lock. */
static bool held_by_me(const rlock_t *l)
{
    return l->depth > 0 && pthread_equal(l->owner, pthread_self());
}

void rlock_acquire(rlock_t *l)
{
    pthread_mutex_lock(&l->mu);
    if (!held_by_me(l)) {
        while (l->depth > 0)
            pthread_cond_wait(&l->freed, &l->mu);
        l->depth++;
        pthread_mutex_unlock(&l->mu);
        l->owner = pthread_self(); /* BUG: written without the mutex */
        return;
    }
    l->depth++;
    pthread_mutex_unlock(&l->mu);
}

bool rlock_try_acquire(rlock_t *l)
{
    pthread_mutex_lock(&l->mu);
    bool ok = l->depth == 0 || held_by_me(l);
    if (ok) {
        l->owner = pthread_self();
        l->depth++;
    }
    pthread_mutex_unlock(&l->mu);
    return ok;
}

int rlock_release(rlock_t *l)
{
    pthread_mutex_lock(&l->mu);
    if (!held_by_me(l)) {
        pthread_mutex_unlock(&l->mu);
        return EPERM; /* not ours: change nothing */
    }
    l->depth--;
    if (l->depth == 0)
        pthread_cond_signal(&l->freed); /* one waiter can take it now */
    pthread_mutex_unlock(&l->mu);
    return 0;
}
