/* Correct, another style: C11 <threads.h>, a linked list kept in the
 * order items come out (FIFO appends at the tail, LIFO pushes at the head,
 * PRIORITY inserts after the last item of the same or a lower prio), and
 * Python's own design of waking: cnd_signal on "not empty" and "not full"
 * (one put makes one item for one getter), cnd_broadcast for the joiners.
 * Deadlines are TIME_UTC, as cnd_timedwait wants. */
#include "queue.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <threads.h>
#include <time.h>

struct node {
    void *item;
    int prio;
    struct node *next;
};

struct tsq {
    mtx_t mu;
    cnd_t not_empty, not_full, all_done;
    tsq_kind kind;
    size_t maxsize, count, unfinished, taken;
    struct node *head, *tail;
};

tsq_t *tsq_new(tsq_kind kind, size_t maxsize)
{
    if (kind != TSQ_FIFO && kind != TSQ_LIFO && kind != TSQ_PRIORITY)
        return NULL;
    tsq_t *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    if (mtx_init(&q->mu, mtx_plain) != thrd_success) {
        free(q);
        return NULL;
    }
    if (cnd_init(&q->not_empty) != thrd_success) {
        mtx_destroy(&q->mu);
        free(q);
        return NULL;
    }
    if (cnd_init(&q->not_full) != thrd_success) {
        cnd_destroy(&q->not_empty);
        mtx_destroy(&q->mu);
        free(q);
        return NULL;
    }
    if (cnd_init(&q->all_done) != thrd_success) {
        cnd_destroy(&q->not_full);
        cnd_destroy(&q->not_empty);
        mtx_destroy(&q->mu);
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
    while (q->head) {
        struct node *n = q->head;
        q->head = n->next;
        free(n);
    }
    cnd_destroy(&q->all_done);
    cnd_destroy(&q->not_full);
    cnd_destroy(&q->not_empty);
    mtx_destroy(&q->mu);
    free(q);
}

/* Waits on c (q->mu held) while *blocked says so; false when time ran out. */
static bool wait_while(tsq_t *q, cnd_t *c, bool (*blocked)(tsq_t *), int timeout_ms)
{
    struct timespec until;
    if (timeout_ms > 0) {
        timespec_get(&until, TIME_UTC);
        long long ns = until.tv_nsec + (long long)timeout_ms * 1000000LL;
        until.tv_sec += (time_t)(ns / 1000000000LL);
        until.tv_nsec = (long)(ns % 1000000000LL);
    }
    while (blocked(q)) {
        if (timeout_ms == 0)
            return false;
        if (timeout_ms < 0)
            cnd_wait(c, &q->mu);
        else if (cnd_timedwait(c, &q->mu, &until) == thrd_timedout)
            return !blocked(q);
    }
    return true;
}

static bool is_full(tsq_t *q) { return q->maxsize > 0 && q->count >= q->maxsize; }
static bool is_empty(tsq_t *q) { return q->count == 0; }

int tsq_put(tsq_t *q, void *item, int prio, int timeout_ms)
{
    struct node *n = malloc(sizeof *n);
    if (!n)
        return ENOMEM;
    n->item = item;
    n->prio = prio;
    n->next = NULL;
    mtx_lock(&q->mu);
    if (!wait_while(q, &q->not_full, is_full, timeout_ms)) {
        mtx_unlock(&q->mu);
        free(n);
        return EAGAIN;
    }
    if (q->kind == TSQ_LIFO || !q->head ||
        (q->kind == TSQ_PRIORITY && prio < q->head->prio)) {
        n->next = q->head;
        q->head = n;
        if (!q->tail)
            q->tail = n;
    } else if (q->kind == TSQ_FIFO || prio >= q->tail->prio) {
        q->tail->next = n;
        q->tail = n;
    } else {
        struct node *p = q->head; /* the last node with prio <= n's */
        while (p->next && p->next->prio <= prio)
            p = p->next;
        n->next = p->next;
        p->next = n;
    }
    q->count++;
    q->unfinished++;
    cnd_signal(&q->not_empty);
    mtx_unlock(&q->mu);
    return 0;
}

int tsq_get(tsq_t *q, void **item, int timeout_ms)
{
    mtx_lock(&q->mu);
    if (!wait_while(q, &q->not_empty, is_empty, timeout_ms)) {
        mtx_unlock(&q->mu);
        return EAGAIN;
    }
    struct node *n = q->head;
    q->head = n->next;
    if (!q->head)
        q->tail = NULL;
    q->count--;
    q->taken++;
    cnd_signal(&q->not_full);
    mtx_unlock(&q->mu);
    *item = n->item;
    free(n);
    return 0;
}

size_t tsq_size(tsq_t *q)
{
    mtx_lock(&q->mu);
    size_t n = q->count;
    mtx_unlock(&q->mu);
    return n;
}

void tsq_task_done(tsq_t *q)
{
    mtx_lock(&q->mu);
    if (q->taken > 0) {
        q->taken--;
        q->unfinished--;
        if (q->unfinished == 0)
            cnd_broadcast(&q->all_done);
    }
    mtx_unlock(&q->mu);
}

void tsq_join(tsq_t *q)
{
    mtx_lock(&q->mu);
    while (q->unfinished > 0)
        cnd_wait(&q->all_done, &q->mu);
    mtx_unlock(&q->mu);
}
