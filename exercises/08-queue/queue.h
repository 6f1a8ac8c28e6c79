/* queue.h - lesson 08: a thread-safe queue in three kinds (FIFO, LIFO,
 * priority) with blocking, non-blocking and timed put and get, and
 * task_done/join (Python's queue.Queue, LifoQueue and PriorityQueue).
 *
 * Every function may be called from many threads at once on the same queue.
 * Items are the caller's pointers: the queue stores and hands them back, it
 * never reads or frees what they point to.
 */
#ifndef QUEUE_H
#define QUEUE_H

#include <stddef.h>

typedef enum { TSQ_FIFO, TSQ_LIFO, TSQ_PRIORITY } tsq_kind;
typedef struct tsq tsq_t;

/* A new empty queue of this kind holding at most `maxsize` items (0: no
 * limit). Returns NULL for a kind that is not one of the three, or if out
 * of memory. */
tsq_t *tsq_new(tsq_kind kind, size_t maxsize);

/* Frees the queue (not the items still in it). No thread may use it any
 * more: none is waiting in it. */
void tsq_free(tsq_t *q);

/* Adds `item`. When the queue is full (maxsize items), waits for room:
 * timeout_ms < 0 waits as long as it takes, 0 never waits, > 0 waits at
 * most that many milliseconds (CLOCK_MONOTONIC). Returns 0 when the item
 * was added, EAGAIN when there was no room in time (nothing added). An
 * unbounded queue may return ENOMEM. `prio` orders a TSQ_PRIORITY queue
 * (lower first); the other kinds ignore it. Each item added counts as
 * unfinished until a tsq_task_done for it. */
int tsq_put(tsq_t *q, void *item, int prio, int timeout_ms);

/* Takes the next item into *item: the oldest (TSQ_FIFO), the newest
 * (TSQ_LIFO), or the one with the lowest prio, the oldest of equal prios
 * (TSQ_PRIORITY). When the queue is empty, waits for an item: timeout_ms
 * as in tsq_put. Returns 0, or EAGAIN when no item came in time (*item is
 * then left alone). Each item is taken by exactly one get. */
int tsq_get(tsq_t *q, void **item, int timeout_ms);

/* How many items are in the queue now. */
size_t tsq_size(tsq_t *q);

/* Says that the work on one item taken by tsq_get is finished. A call
 * with no item taken and unfinished is ignored. */
void tsq_task_done(tsq_t *q);

/* Waits until every item ever put has been marked done by tsq_task_done
 * (returns at once when none is unfinished). Many threads may join at
 * once: all of them return. */
void tsq_join(tsq_t *q);

#endif
