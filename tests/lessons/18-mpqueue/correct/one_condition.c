/* mpqueue.c - lesson 18, a correct alternative: one lock, one condition.
 *
 * A single process-shared condition stands for "the queue changed": every
 * put and every get broadcasts it, and each waiter looks again at what it
 * waits for (room, or an item). Simpler than two conditions, at the cost
 * of waking waiters that cannot go on yet. The queue keeps a head and a
 * tail index and tells full from empty by a count, all in the one shared
 * mapping, which here is a separate header and slot area laid out by
 * hand.
 */
#include "mpqueue.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

struct mpq {
    pthread_mutex_t mu;
    pthread_cond_t changed; /* CLOCK_MONOTONIC; broadcast on every change */
    size_t cap, size, head, tail, count, len;
    pid_t owner;
};

static unsigned char *slot(mpq_t *q, size_t i)
{
    return (unsigned char *)q + sizeof(mpq_t) + i * q->size;
}

mpq_t *mpq_new(size_t capacity, size_t item_size)
{
    if (capacity == 0 || item_size == 0 || capacity > (SIZE_MAX - sizeof(mpq_t)) / item_size)
        return NULL;
    size_t len = sizeof(mpq_t) + capacity * item_size;
    mpq_t *q = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (q == MAP_FAILED)
        return NULL;
    pthread_mutexattr_t ma;
    pthread_condattr_t ca;
    pthread_mutexattr_init(&ma);
    pthread_condattr_init(&ca);
    int err = pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    if (!err)
        err = pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
    if (!err)
        err = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (!err)
        err = pthread_mutex_init(&q->mu, &ma);
    if (!err && (err = pthread_cond_init(&q->changed, &ca)) != 0)
        pthread_mutex_destroy(&q->mu);
    pthread_mutexattr_destroy(&ma);
    pthread_condattr_destroy(&ca);
    if (err) {
        munmap(q, len);
        return NULL;
    }
    *q = (mpq_t){ .mu = q->mu, .changed = q->changed, .cap = capacity, .size = item_size,
                  .len = len, .owner = getpid() };
    return q;
}

int mpq_put(mpq_t *q, const void *item)
{
    pthread_mutex_lock(&q->mu);
    while (q->count == q->cap)
        pthread_cond_wait(&q->changed, &q->mu);
    memcpy(slot(q, q->tail), item, q->size);
    q->tail = (q->tail + 1) % q->cap;
    q->count++;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->mu);
    return 0;
}

/* Waits for an item until *deadline (NULL: for ever); 0 or ETIMEDOUT. */
static int get_until(mpq_t *q, void *item, const struct timespec *deadline)
{
    int rc = 0;
    pthread_mutex_lock(&q->mu);
    while (q->count == 0 && rc != ETIMEDOUT)
        rc = deadline ? pthread_cond_timedwait(&q->changed, &q->mu, deadline)
                      : pthread_cond_wait(&q->changed, &q->mu);
    if (q->count > 0) {
        memcpy(item, slot(q, q->head), q->size);
        q->head = (q->head + 1) % q->cap;
        q->count--;
        pthread_cond_broadcast(&q->changed);
        rc = 0;
    }
    pthread_mutex_unlock(&q->mu);
    return rc ? ETIMEDOUT : 0;
}

int mpq_get(mpq_t *q, void *item) { return get_until(q, item, NULL); }

int mpq_get_timeout(mpq_t *q, void *item, unsigned ms)
{
    struct timespec d;
    clock_gettime(CLOCK_MONOTONIC, &d);
    long long ns = (long long)d.tv_nsec + (long long)(ms % 1000) * 1000000LL;
    d.tv_sec += (time_t)(ms / 1000) + (time_t)(ns / 1000000000LL);
    d.tv_nsec = (long)(ns % 1000000000LL);
    return get_until(q, item, &d);
}

void mpq_free(mpq_t *q)
{
    if (!q)
        return;
    size_t len = q->len;
    if (q->owner == getpid()) {
        pthread_cond_destroy(&q->changed);
        pthread_mutex_destroy(&q->mu);
    }
    munmap(q, len);
}
