/* BUG: the whole queue is malloc'd, as for threads: a forked child gets
 * its own copy of it (a copy of the memory, not the same memory), so an
 * item a child puts stays in the child's copy and the parent waits for it
 * for ever; items the parent puts never reach a child.
 * expect: functional race */
#include "mpqueue.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct mpq {
    pthread_mutex_t lock;
    pthread_cond_t not_full, not_empty; /* CLOCK_MONOTONIC */
    size_t capacity, item_size, head, count;
    unsigned char slots[];
};

mpq_t *mpq_new(size_t capacity, size_t item_size)
{
    if (capacity == 0 || item_size == 0 || capacity > (SIZE_MAX - sizeof(mpq_t)) / item_size)
        return NULL;
    mpq_t *q = malloc(sizeof(mpq_t) + capacity * item_size);
    if (q == NULL)
        return NULL;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->not_full, &ca);
    pthread_cond_init(&q->not_empty, &ca);
    pthread_condattr_destroy(&ca);
    q->capacity = capacity;
    q->item_size = item_size;
    q->head = q->count = 0;
    return q;
}

int mpq_put(mpq_t *q, const void *item)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == q->capacity)
        pthread_cond_wait(&q->not_full, &q->lock);
    memcpy(q->slots + (q->head + q->count) % q->capacity * q->item_size, item, q->item_size);
    q->count++;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
    return 0;
}

static void take_front(mpq_t *q, void *item)
{
    memcpy(item, q->slots + q->head * q->item_size, q->item_size);
    q->head = (q->head + 1) % q->capacity;
    q->count--;
    pthread_cond_signal(&q->not_full);
}

int mpq_get(mpq_t *q, void *item)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == 0)
        pthread_cond_wait(&q->not_empty, &q->lock);
    take_front(q, item);
    pthread_mutex_unlock(&q->lock);
    return 0;
}

int mpq_get_timeout(mpq_t *q, void *item, unsigned ms)
{
    struct timespec d;
    clock_gettime(CLOCK_MONOTONIC, &d);
    d.tv_sec += ms / 1000;
    d.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (d.tv_nsec >= 1000000000L) {
        d.tv_sec++;
        d.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&q->lock);
    int err = 0;
    while (q->count == 0 && err == 0)
        err = pthread_cond_timedwait(&q->not_empty, &q->lock, &d);
    if (q->count > 0) {
        take_front(q, item);
        err = 0;
    }
    pthread_mutex_unlock(&q->lock);
    return err ? ETIMEDOUT : 0;
}

void mpq_free(mpq_t *q)
{
    if (q == NULL)
        return;
    pthread_cond_destroy(&q->not_empty);
    pthread_cond_destroy(&q->not_full);
    pthread_mutex_destroy(&q->lock);
    free(q);
}
