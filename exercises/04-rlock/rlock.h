/* rlock.h - lesson 04: a re-entrant lock (Python's threading.RLock).
 *
 * The grader reads the lesson's API from this header: the functions declared
 * here are the only globals a student's file may define.
 *
 * A re-entrant lock is held by one thread at a time, its owner. The owner
 * may acquire it again without blocking: the lock counts how deep it is
 * held, and becomes free only when the owner has released it as many times
 * as it acquired it. Every function may be called from many threads at
 * once on the same lock.
 *
 * Build it yourself: a recursive mutex in any form (PTHREAD_MUTEX_RECURSIVE,
 * C11's mtx_recursive, PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP) is refused.
 */
#ifndef RLOCK_H
#define RLOCK_H

#include <stdbool.h>

typedef struct rlock rlock_t;

/* A new lock, free. Returns NULL if out of memory. */
rlock_t *rlock_new(void);

/* Frees the lock. It must be free, and no other thread may use it any more. */
void rlock_free(rlock_t *l);

/* Acquires the lock: returns at once if it is free (the caller becomes its
 * owner, depth 1) or if the caller already owns it (one level deeper);
 * otherwise blocks until it is free. */
void rlock_acquire(rlock_t *l);

/* The same without blocking: true if the caller now holds the lock (it was
 * free, or the caller already owned it: one level deeper), false if another
 * thread holds it. */
bool rlock_try_acquire(rlock_t *l);

/* Releases one level. Returns 0; the lock becomes free, and one thread
 * blocked in rlock_acquire can take it, when the depth reaches 0. Returns
 * EPERM, and changes nothing, when the calling thread does not hold the lock
 * (another thread holds it, or nobody does). */
int rlock_release(rlock_t *l); /* 0, or EPERM when the caller does not hold it */

#endif
