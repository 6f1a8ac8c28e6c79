/* BUG: the semaphores are made with sem_init(s, 0, n): process-private.
 * A post in one process (a private futex wake) never wakes a waiter in
 * another, so processes that wait for each other sleep for ever. The
 * engine reports the first use of a process-private object by a second
 * process ("misuse of the pthread API"), before the lost wake-ups hang
 * the tests where processes wait for each other.
 * expect: functional
 * says: semaphore
 * says: sem_init(s, 1, value)
 *
 * Otherwise the correct alternative correct/semaphores.c:
 *
 * Two counting semaphores count the free slots and the queued items (a
 * put waits for a free slot, a get for an item), and a third, binary, one
 * guards the indices while an item is copied in or out. All three are
 * made with sem_init(s, pshared, n) (here 0: the bug), in the one
 * shared mapping with the indices and the slots.
 *
 * sem_timedwait takes a CLOCK_REALTIME deadline, but the timeout is
 * measured on CLOCK_MONOTONIC: the deadline is kept there, and each wait
 * is for what is left of it, checked again after the wait.
 */
#include "mpqueue.h"

#include <errno.h>
#include <limits.h>
#include <semaphore.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

struct mpq {
    sem_t free_slots, items, guard;
    size_t capacity, item_size, head, tail, map_len;
    pid_t creator;
    unsigned char slots[];
};

mpq_t *mpq_new(size_t capacity, size_t item_size)
{
    if (capacity == 0 || item_size == 0 || capacity > (SIZE_MAX - sizeof(mpq_t)) / item_size ||
        capacity > SEM_VALUE_MAX)
        return NULL;
    size_t len = sizeof(mpq_t) + capacity * item_size;
    mpq_t *q = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (q == MAP_FAILED)
        return NULL;
    if (sem_init(&q->free_slots, 0, (unsigned)capacity) != 0 || sem_init(&q->items, 0, 0) != 0 ||
        sem_init(&q->guard, 0, 1) != 0) {
        munmap(q, len);
        return NULL;
    }
    q->capacity = capacity;
    q->item_size = item_size;
    q->head = q->tail = 0;
    q->map_len = len;
    q->creator = getpid();
    return q;
}

static void wait_for(sem_t *s)
{
    while (sem_wait(s) != 0 && errno == EINTR)
        ;
}

int mpq_put(mpq_t *q, const void *item)
{
    wait_for(&q->free_slots);
    wait_for(&q->guard);
    memcpy(q->slots + q->tail * q->item_size, item, q->item_size);
    q->tail = (q->tail + 1) % q->capacity;
    sem_post(&q->guard);
    sem_post(&q->items);
    return 0;
}

/* Takes the front item, once an `items` permit is ours. */
static int take(mpq_t *q, void *item)
{
    wait_for(&q->guard);
    memcpy(item, q->slots + q->head * q->item_size, q->item_size);
    q->head = (q->head + 1) % q->capacity;
    sem_post(&q->guard);
    sem_post(&q->free_slots);
    return 0;
}

int mpq_get(mpq_t *q, void *item)
{
    wait_for(&q->items);
    return take(q, item);
}

static long long now_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int mpq_get_timeout(mpq_t *q, void *item, unsigned ms)
{
    long long deadline = now_ns(CLOCK_MONOTONIC) + (long long)ms * 1000000LL;
    for (;;) {
        if (sem_trywait(&q->items) == 0)
            return take(q, item);
        long long left = deadline - now_ns(CLOCK_MONOTONIC);
        if (left <= 0)
            return ETIMEDOUT;
        long long until = now_ns(CLOCK_REALTIME) + left;
        struct timespec ts = { (time_t)(until / 1000000000LL), (long)(until % 1000000000LL) };
        if (sem_timedwait(&q->items, &ts) == 0)
            return take(q, item);
        /* ETIMEDOUT or EINTR: look at the monotonic deadline again */
    }
}

void mpq_free(mpq_t *q)
{
    if (q == NULL)
        return;
    if (q->creator == getpid()) {
        sem_destroy(&q->guard);
        sem_destroy(&q->items);
        sem_destroy(&q->free_slots);
    }
    munmap(q, q->map_len);
}
