/* Correct alternative: the reference solution's ring buffer, but the
 * conditions keep their default clock (CLOCK_REALTIME) and the timed get
 * waits with pthread_cond_clockwait (glibc 2.30), which names the clock of
 * its deadline: CLOCK_MONOTONIC, as the contract asks.
 *
 * The reference solution: a ring buffer in one
 * shared anonymous mapping, guarded by a process-shared mutex, with two
 * process-shared conditions (not full, not empty).
 *
 * Everything every process must see lives in the mapping: the counts, the
 * indices, the locks and the slots. A child forked after mpq_new has the
 * same mapping at the same address, so the pointer is the queue in every
 * process. The creator's pid, kept in the mapping, says which mpq_free
 * destroys the mutex and conditions; every other one only unmaps.
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
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_condattr_init(&ca);
    pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
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
        err = pthread_cond_clockwait(&q->not_empty, &q->lock, CLOCK_MONOTONIC, &deadline);
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
