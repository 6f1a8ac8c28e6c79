/* mpqueue.h - lesson 18: a queue shared between processes, like Python's
 * multiprocessing.Queue: a parent makes it, forks children, and any of
 * them puts items in and takes items out.
 *
 * The grader reads the lesson's API from this header: the functions
 * declared here are the only globals your file may define.
 */
#ifndef MPQUEUE_H
#define MPQUEUE_H

#include <stddef.h>

typedef struct mpq mpq_t;

/* A queue of at most `capacity` items of `item_size` bytes each, in memory
 * that processes forked after this call share with the caller (mmap with
 * MAP_SHARED | MAP_ANONYMOUS): the queue itself, its indices and count, and
 * its locks or semaphores, all in that mapping; the locks and conditions
 * made PTHREAD_PROCESS_SHARED, the semaphores sem_init(s, 1, n). NULL when
 * capacity or item_size is 0, or when memory cannot be had. */
mpq_t *mpq_new(size_t capacity, size_t item_size); /* shared with children forked later */

/* Copies item_size bytes from `item` to the back of the queue. Blocks
 * (asleep, not spinning) while the queue holds `capacity` items, until
 * some process takes one. Returns 0, or an errno value. */
int mpq_put(mpq_t *q, const void *item);

/* Copies the front item (item_size bytes) to `item` and removes it. Blocks
 * (asleep) while the queue is empty, until some process puts one. Every
 * item put is got exactly once, whichever processes put and get it.
 * Returns 0, or an errno value. */
int mpq_get(mpq_t *q, void *item);

/* mpq_get that waits at most `ms` milliseconds, measured on
 * CLOCK_MONOTONIC from the call: 0 with the item as soon as one is there
 * (at once when one is there already, even with ms == 0), or ETIMEDOUT
 * once ms have passed with the queue still empty; a call that times out
 * takes nothing. */
int mpq_get_timeout(mpq_t *q, void *item, unsigned ms); /* 0 or ETIMEDOUT */

/* Every process that uses the queue calls mpq_free once, to release its
 * own mapping (munmap); the process that created the queue calls it last,
 * after its children have exited, and only that call destroys the shared
 * mutexes, conditions or semaphores. q is not used again by the caller. */
void mpq_free(mpq_t *q);

#endif
