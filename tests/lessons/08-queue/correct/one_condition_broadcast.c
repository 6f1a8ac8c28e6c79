/* Correct, another style: one mutex and ONE condition variable for every
 * kind of waiter, so every change wakes everyone (pthread_cond_broadcast)
 * and each waiter re-checks what it waits for. The items sit in an array
 * in put order; a get picks the first (FIFO), the last (LIFO) or the first
 * of the lowest prio (PRIORITY), and closes the gap. Deadlines on the
 * condition's default clock, CLOCK_REALTIME. */
#include "queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct slot {
    void *item;
    int prio;
};

struct tsq {
    pthread_mutex_t mu;
    pthread_cond_t changed;
    tsq_kind kind;
    size_t maxsize;
    struct slot *s;
    size_t n, cap;
    long unfinished, taken;
};

tsq_t *tsq_new(tsq_kind kind, size_t maxsize)
{
    if (kind != TSQ_FIFO && kind != TSQ_LIFO && kind != TSQ_PRIORITY)
        return NULL;
    tsq_t *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->changed, NULL);
    q->kind = kind;
    q->maxsize = maxsize;
    return q;
}

void tsq_free(tsq_t *q)
{
    if (!q)
        return;
    pthread_cond_destroy(&q->changed);
    pthread_mutex_destroy(&q->mu);
    free(q->s);
    free(q);
}

/* One wait on q->changed (q->mu held): none for a timeout of 0, else until
 * a wake-up or *until. Returns 0 once the time is up. */
static int wait_once(tsq_t *q, int timeout_ms, const struct timespec *until)
{
    if (timeout_ms == 0)
        return 0;
    if (timeout_ms < 0) {
        pthread_cond_wait(&q->changed, &q->mu);
        return 1;
    }
    return pthread_cond_timedwait(&q->changed, &q->mu, until) != ETIMEDOUT;
}

static struct timespec deadline(int timeout_ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    if (timeout_ms > 0) {
        t.tv_sec += timeout_ms / 1000;
        t.tv_nsec += (timeout_ms % 1000) * 1000000L;
        if (t.tv_nsec >= 1000000000L) {
            t.tv_sec += 1;
            t.tv_nsec -= 1000000000L;
        }
    }
    return t;
}

int tsq_put(tsq_t *q, void *item, int prio, int timeout_ms)
{
    struct timespec until = deadline(timeout_ms);
    pthread_mutex_lock(&q->mu);
    while (q->maxsize > 0 && q->n >= q->maxsize) {
        if (!wait_once(q, timeout_ms, &until) && q->n >= q->maxsize) {
            pthread_mutex_unlock(&q->mu);
            return EAGAIN;
        }
    }
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 8;
        struct slot *s = realloc(q->s, cap * sizeof *s);
        if (!s) {
            pthread_mutex_unlock(&q->mu);
            return ENOMEM;
        }
        q->s = s;
        q->cap = cap;
    }
    q->s[q->n++] = (struct slot){ item, prio };
    q->unfinished++;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->mu);
    return 0;
}

int tsq_get(tsq_t *q, void **item, int timeout_ms)
{
    struct timespec until = deadline(timeout_ms);
    pthread_mutex_lock(&q->mu);
    while (q->n == 0) {
        if (!wait_once(q, timeout_ms, &until) && q->n == 0) {
            pthread_mutex_unlock(&q->mu);
            return EAGAIN;
        }
    }
    size_t pick = 0;
    if (q->kind == TSQ_LIFO)
        pick = q->n - 1;
    else if (q->kind == TSQ_PRIORITY)
        for (size_t i = 1; i < q->n; i++)
            if (q->s[i].prio < q->s[pick].prio)
                pick = i;
    *item = q->s[pick].item;
    memmove(&q->s[pick], &q->s[pick + 1], (q->n - pick - 1) * sizeof q->s[0]);
    q->n--;
    q->taken++;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->mu);
    return 0;
}

size_t tsq_size(tsq_t *q)
{
    pthread_mutex_lock(&q->mu);
    size_t n = q->n;
    pthread_mutex_unlock(&q->mu);
    return n;
}

void tsq_task_done(tsq_t *q)
{
    pthread_mutex_lock(&q->mu);
    if (q->taken > 0) {
        q->taken--;
        q->unfinished--;
        pthread_cond_broadcast(&q->changed);
    }
    pthread_mutex_unlock(&q->mu);
}

void tsq_join(tsq_t *q)
{
    pthread_mutex_lock(&q->mu);
    while (q->unfinished > 0)
        pthread_cond_wait(&q->changed, &q->mu);
    pthread_mutex_unlock(&q->mu);
}
