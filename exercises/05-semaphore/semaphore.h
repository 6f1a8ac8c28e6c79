/* semaphore.h - lesson 05: a counting semaphore, like Python's
 * threading.Semaphore, and a connection limit built on it.
 *
 * Every function may be called from many threads at once on the same
 * semaphore. POSIX semaphores (sem_init, sem_wait, ...) are not allowed:
 * build it from a mutex and a condition variable.
 */
#ifndef SEMAPHORE_H
#define SEMAPHORE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct csem csem_t;

/* A new semaphore holding `value` permits. Returns NULL if out of memory. */
csem_t *csem_new(unsigned value);

/* Frees the semaphore. No thread may use it any more (none is waiting in it). */
void csem_free(csem_t *s);

/* Takes one permit. When there is none, sleeps (without using the CPU)
 * until another thread releases one. */
void csem_acquire(csem_t *s);

/* Takes one permit if there is one and returns true; returns false at once
 * (taking nothing) when there is none. */
bool csem_try_acquire(csem_t *s);

/* Like csem_acquire, but gives up after `ms` milliseconds (measured on
 * CLOCK_MONOTONIC). Returns true if it took a permit; false if the time ran
 * out first, and then it has taken nothing. Never returns false before `ms`
 * have passed; ms == 0 is a try. */
bool csem_acquire_timeout(csem_t *s, unsigned ms);

/* Gives one permit back (adds one, even beyond the starting value) and wakes
 * a thread waiting for one, if any. */
void csem_release(csem_t *s);

/* The seed's connection limit: calls task(0), task(1), .., task(n-1), each
 * on a thread of its own (never the caller's), with at most `limit` of them
 * running at any moment. It may start all n threads at once (each waits for
 * a permit) or keep a sliding window; either way, once every task has
 * finished and every thread has been joined, it returns 0.
 *
 * Returns EINVAL for limit == 0 or a NULL task (calling nothing), 0 at once
 * for n == 0, or the error pthread_create reported: then the tasks already
 * started are finished and joined before run_limited returns. */
int run_limited(size_t n, size_t limit, void (*task)(size_t i));

#endif
