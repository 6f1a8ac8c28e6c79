/* BUG: the mutex and conditions live in the shared mapping but are made
 * with default attributes, process-private: a wake-up (a futex wake) from
 * another process never reaches a waiter, and glibc does not promise that
 * a private mutex works across processes at all. The engine reports the
 * first use of a process-private object by a second process ("misuse of
 * the pthread API": any test with two processes fails), before the lost
 * wake-ups hang the tests where processes wait for each other.
 * expect: functional
 * says: was made for one process only, yet it lies in memory shared between processes
 * says: pthread_mutexattr_setpshared */
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
    pthread_mutex_t lock;
    pthread_cond_t not_full, not_empty; /* CLOCK_MONOTONIC */
    size_t capacity, item_size;
    size_t head, count; /* under lock: the front slot, items queued */
    size_t map_len;
    pid_t creator;
    unsigned char slots[]; /* capacity * item_size bytes */
};

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
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int err = pthread_mutex_init(&q->lock, &ma);
    if (err == 0 && (err = pthread_cond_init(&q->not_full, &ca)) != 0)
        pthread_mutex_destroy(&q->lock);
    if (err == 0 && (err = pthread_cond_init(&q->not_empty, &ca)) != 0) {
        pthread_cond_destroy(&q->not_full);
        pthread_mutex_destroy(&q->lock);
    }
    pthread_mutexattr_destroy(&ma);
    pthread_condattr_destroy(&ca);
    if (err) {
        munmap(q, len);
        return NULL;
    }
    q->capacity = capacity;
    q->item_size = item_size;
    q->head = q->count = 0;
    q->map_len = len;
    q->creator = getpid();
    return q;
}

int mpq_put(mpq_t *q, const void *item)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == q->capacity)
        pthread_cond_wait(&q->not_full, &q->lock);
    size_t back = (q->head + q->count) % q->capacity;
    memcpy(q->slots + back * q->item_size, item, q->item_size);
    q->count++;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
    return 0;
}

/* Takes the front item; the caller holds the lock and count > 0. */
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
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += ms / 1000;
    deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&q->lock);
    int err = 0;
    while (q->count == 0 && err == 0)
        err = pthread_cond_timedwait(&q->not_empty, &q->lock, &deadline);
    if (q->count > 0) { /* an item came, even with the deadline */
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
    if (q->creator == getpid()) {
        pthread_cond_destroy(&q->not_empty);
        pthread_cond_destroy(&q->not_full);
        pthread_mutex_destroy(&q->lock);
    }
    munmap(q, q->map_len);
}
