/* queue.c - lesson 08: your solution goes here.
 *
 * Read README.md first. Each function below is a stub: replace its body.
 * Helpers you add must be `static`.
 */
#include "queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

struct tsq {
    tsq_kind kind;
    size_t maxsize;
    /* TODO: the items (an array you grow with realloc, or a linked list),
     * each with its prio and a sequence number that says when it was put;
     * a mutex that guards everything; a condition variable for getters
     * (waiting for an item), one for putters (waiting for room) and one for
     * joiners (waiting for the last task_done); the count of unfinished
     * items and of items got but not yet done. */
};

tsq_t *tsq_new(tsq_kind kind, size_t maxsize)
{
    /* TODO: return NULL for a kind that is not TSQ_FIFO, TSQ_LIFO or
     * TSQ_PRIORITY. Allocate the queue; initialise the mutex and the
     * condition variables (on CLOCK_MONOTONIC: pthread_condattr_setclock). */
    (void)kind;
    (void)maxsize;
    return NULL;
}

void tsq_free(tsq_t *q)
{
    /* TODO: destroy what tsq_new initialised; free the items' storage and
     * the queue (not the items themselves: they belong to the caller). */
    (void)q;
}

int tsq_put(tsq_t *q, void *item, int prio, int timeout_ms)
{
    /* TODO: under the lock, while the queue is full, wait for room:
     * timeout_ms < 0 forever, 0 not at all, > 0 until one deadline computed
     * before the loop. No room in time: EAGAIN. Else add the item (with its
     * prio and sequence number), count it unfinished, wake the getters. */
    (void)q;
    (void)item;
    (void)prio;
    (void)timeout_ms;
    return EAGAIN;
}

int tsq_get(tsq_t *q, void **item, int timeout_ms)
{
    /* TODO: under the lock, while the queue is empty, wait for an item (the
     * timeout as in tsq_put). Then remove the next item for the kind (the
     * oldest, the newest, or the lowest prio and oldest of those) and store
     * it in *item, count it as got, wake the putters. */
    (void)q;
    (void)item;
    (void)timeout_ms;
    return EAGAIN;
}

size_t tsq_size(tsq_t *q)
{
    /* TODO: the number of items, read under the lock. */
    (void)q;
    return 0;
}

void tsq_task_done(tsq_t *q)
{
    /* TODO: under the lock, if an item was got and not yet done, count one
     * done; when nothing is unfinished any more, wake every joiner. */
    (void)q;
}

void tsq_join(tsq_t *q)
{
    /* TODO: under the lock, wait in a while loop until nothing is
     * unfinished. */
    (void)q;
}
