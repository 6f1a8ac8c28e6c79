/* fifo_takes_newest.c - BUG: a TSQ_FIFO queue hands out its newest item
 * first, as a TSQ_LIFO one does (one comparison for both kinds): Python's
 * queue.Queue gives items back in the order they were put.
 * expect: ordering */
#include "queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

struct entry {
    void *item;
    int prio;
    unsigned long long seq;
};

struct tsq {
    pthread_mutex_t lock;
    pthread_cond_t not_empty; /* getters wait here */
    pthread_cond_t not_full;  /* putters wait here */
    pthread_cond_t all_done;  /* joiners wait here */
    tsq_kind kind;
    size_t maxsize;           /* 0: no limit */
    struct entry *heap;
    size_t count, cap;
    unsigned long long next_seq;
    size_t unfinished; /* put, and not yet marked done */
    size_t taken;      /* got, and not yet marked done */
};

/* ---- the heap ------------------------------------------------------------- */

/* Does a come out of the queue before b? */
static bool before(const tsq_t *q, const struct entry *a, const struct entry *b)
{
    if (q->kind == TSQ_PRIORITY && a->prio != b->prio)
        return a->prio < b->prio;
    if (q->kind == TSQ_PRIORITY)
        return a->seq < b->seq;
    return a->seq > b->seq; /* BUG: FIFO too */
}

static void swap(struct entry *a, struct entry *b)
{
    struct entry t = *a;
    *a = *b;
    *b = t;
}

/* Adds e, growing the array when it is full. Returns 0 or ENOMEM. */
static int heap_push(tsq_t *q, struct entry e)
{
    if (q->count == q->cap) {
        size_t cap = q->cap ? 2 * q->cap : 16;
        struct entry *h = realloc(q->heap, cap * sizeof *h);
        if (!h)
            return ENOMEM;
        q->heap = h;
        q->cap = cap;
    }
    size_t i = q->count++;
    q->heap[i] = e;
    while (i > 0 && before(q, &q->heap[i], &q->heap[(i - 1) / 2])) {
        swap(&q->heap[i], &q->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    return 0;
}

/* Removes and returns the top entry; the heap must not be empty. */
static struct entry heap_pop(tsq_t *q)
{
    struct entry top = q->heap[0];
    q->heap[0] = q->heap[--q->count];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < q->count && before(q, &q->heap[l], &q->heap[m]))
            m = l;
        if (r < q->count && before(q, &q->heap[r], &q->heap[m]))
            m = r;
        if (m == i)
            break;
        swap(&q->heap[i], &q->heap[m]);
        i = m;
    }
    return top;
}

/* ---- waiting ---------------------------------------------------------------- */

static bool has_item(const tsq_t *q) { return q->count > 0; }
static bool has_room(const tsq_t *q) { return q->maxsize == 0 || q->count < q->maxsize; }

/* With q->lock held: waits on cv until ready(q), for timeout_ms (< 0:
 * forever, 0: not at all). Returns 0 when ready, else EAGAIN. */
static int wait_until(tsq_t *q, pthread_cond_t *cv, bool (*ready)(const tsq_t *), int timeout_ms)
{
    if (timeout_ms < 0) {
        while (!ready(q))
            pthread_cond_wait(cv, &q->lock);
        return 0;
    }
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    while (!ready(q)) {
        if (timeout_ms == 0 || pthread_cond_timedwait(cv, &q->lock, &deadline) == ETIMEDOUT)
            return ready(q) ? 0 : EAGAIN;
    }
    return 0;
}

/* ---- the API ------------------------------------------------------------------ */

tsq_t *tsq_new(tsq_kind kind, size_t maxsize)
{
    if (kind != TSQ_FIFO && kind != TSQ_LIFO && kind != TSQ_PRIORITY)
        return NULL;
    tsq_t *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0) {
        free(q);
        return NULL;
    }
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int rc = pthread_mutex_init(&q->lock, NULL);
    if (rc == 0 && (rc = pthread_cond_init(&q->not_empty, &ca)) != 0)
        pthread_mutex_destroy(&q->lock);
    if (rc == 0 && (rc = pthread_cond_init(&q->not_full, &ca)) != 0) {
        pthread_cond_destroy(&q->not_empty);
        pthread_mutex_destroy(&q->lock);
    }
    if (rc == 0 && (rc = pthread_cond_init(&q->all_done, &ca)) != 0) {
        pthread_cond_destroy(&q->not_full);
        pthread_cond_destroy(&q->not_empty);
        pthread_mutex_destroy(&q->lock);
    }
    pthread_condattr_destroy(&ca);
    if (rc != 0) {
        free(q);
        return NULL;
    }
    q->kind = kind;
    q->maxsize = maxsize;
    return q;
}

void tsq_free(tsq_t *q)
{
    if (!q)
        return;
    pthread_cond_destroy(&q->all_done);
    pthread_cond_destroy(&q->not_full);
    pthread_cond_destroy(&q->not_empty);
    pthread_mutex_destroy(&q->lock);
    free(q->heap);
    free(q);
}

int tsq_put(tsq_t *q, void *item, int prio, int timeout_ms)
{
    pthread_mutex_lock(&q->lock);
    int rc = wait_until(q, &q->not_full, has_room, timeout_ms);
    if (rc == 0)
        rc = heap_push(q, (struct entry){ item, prio, q->next_seq++ });
    if (rc == 0) {
        q->unfinished++;
        pthread_cond_broadcast(&q->not_empty);
    }
    pthread_mutex_unlock(&q->lock);
    return rc;
}

int tsq_get(tsq_t *q, void **item, int timeout_ms)
{
    pthread_mutex_lock(&q->lock);
    int rc = wait_until(q, &q->not_empty, has_item, timeout_ms);
    if (rc == 0) {
        *item = heap_pop(q).item;
        q->taken++;
        pthread_cond_broadcast(&q->not_full);
    }
    pthread_mutex_unlock(&q->lock);
    return rc;
}

size_t tsq_size(tsq_t *q)
{
    pthread_mutex_lock(&q->lock);
    size_t n = q->count;
    pthread_mutex_unlock(&q->lock);
    return n;
}

void tsq_task_done(tsq_t *q)
{
    pthread_mutex_lock(&q->lock);
    if (q->taken > 0) { /* else no get matches it: ignored */
        q->taken--;
        if (--q->unfinished == 0)
            pthread_cond_broadcast(&q->all_done);
    }
    pthread_mutex_unlock(&q->lock);
}

void tsq_join(tsq_t *q)
{
    pthread_mutex_lock(&q->lock);
    while (q->unfinished > 0)
        pthread_cond_wait(&q->all_done, &q->lock);
    pthread_mutex_unlock(&q->lock);
}
