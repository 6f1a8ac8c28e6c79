/* BUG: the deadline's nanoseconds are computed as ms * 1000000 in 32-bit
 * unsigned arithmetic: beyond 4294 ms it wraps, and a 5 s timeout gives up
 * after about 705 ms.
 * expect: timing */
#include "semaphore.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

struct csem {
    pthread_mutex_t lock;
    pthread_cond_t available; /* signalled once per permit given back */
    unsigned long count;      /* permits left; only read or written under lock */
};

csem_t *csem_new(unsigned value)
{
    csem_t *s = malloc(sizeof *s);
    if (!s)
        return NULL;
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0) {
        free(s);
        return NULL;
    }
    /* Timeouts are measured on CLOCK_MONOTONIC: so must the waits be. */
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int err = pthread_cond_init(&s->available, &attr);
    pthread_condattr_destroy(&attr);
    if (err) {
        free(s);
        return NULL;
    }
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        pthread_cond_destroy(&s->available);
        free(s);
        return NULL;
    }
    s->count = value;
    return s;
}

void csem_free(csem_t *s)
{
    if (!s)
        return;
    pthread_cond_destroy(&s->available);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

void csem_acquire(csem_t *s)
{
    pthread_mutex_lock(&s->lock);
    while (s->count == 0) /* a wake-up is a hint: look again */
        pthread_cond_wait(&s->available, &s->lock);
    s->count--;
    pthread_mutex_unlock(&s->lock);
}

bool csem_try_acquire(csem_t *s)
{
    pthread_mutex_lock(&s->lock);
    bool took = s->count > 0;
    if (took)
        s->count--;
    pthread_mutex_unlock(&s->lock);
    return took;
}

/* The absolute CLOCK_MONOTONIC time `ms` from now. */
static struct timespec deadline_after(unsigned ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    unsigned ns = ms * 1000000u; /* wraps beyond 4294 ms */
    ts.tv_sec += (time_t)(ns / 1000000000u);
    ts.tv_nsec += (long)(ns % 1000000000u);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

bool csem_acquire_timeout(csem_t *s, unsigned ms)
{
    struct timespec deadline = deadline_after(ms); /* once: wake-ups do not move it */
    pthread_mutex_lock(&s->lock);
    while (s->count == 0) {
        if (pthread_cond_timedwait(&s->available, &s->lock, &deadline) == ETIMEDOUT)
            break;
    }
    bool took = s->count > 0; /* a permit may have come with the timeout */
    if (took)
        s->count--;
    pthread_mutex_unlock(&s->lock);
    return took;
}

void csem_release(csem_t *s)
{
    pthread_mutex_lock(&s->lock);
    s->count++;
    pthread_cond_signal(&s->available); /* one permit: one waiter can go on */
    pthread_mutex_unlock(&s->lock);
}

/* ---- run_limited ---------------------------------------------------------- */

typedef struct worker {
    pthread_t thread;
    size_t index;
    csem_t *slots;
    void (*task)(size_t i);
} worker;

/* One task: wait for a slot, run, give the slot back. */
static void *work(void *p)
{
    worker *w = p;
    csem_acquire(w->slots);
    w->task(w->index);
    csem_release(w->slots);
    return NULL;
}

int run_limited(size_t n, size_t limit, void (*task)(size_t i))
{
    if (limit == 0 || !task)
        return EINVAL;
    if (n == 0)
        return 0;
    /* More slots than tasks would never be used (and must fit in unsigned). */
    csem_t *slots = csem_new((unsigned)(limit < n ? limit : n));
    worker *workers = calloc(n, sizeof *workers);
    if (!slots || !workers) {
        csem_free(slots);
        free(workers);
        return ENOMEM;
    }
    int err = 0;
    size_t started = 0;
    for (; started < n; started++) {
        workers[started] = (worker){ .index = started, .slots = slots, .task = task };
        err = pthread_create(&workers[started].thread, NULL, work, &workers[started]);
        if (err)
            break;
    }
    /* On a failed start the ones already started still finish: join them. */
    for (size_t i = 0; i < started; i++)
        pthread_join(workers[i].thread, NULL);
    free(workers);
    csem_free(slots);
    return err;
}
