/* Correct, another style: the permits are an atomic counter taken with a
 * compare-and-swap (try_acquire never locks), and a mutex and condition
 * variable are only for sleeping: a waiter registers under the mutex and
 * re-tries there, and a release that sees a registered waiter signals under
 * the same mutex, so no wake-up falls between a waiter's last try and its
 * sleep. run_limited starts every thread at once, each acquiring a slot;
 * its error path after a failed start joins the ones that did start. */
#include "semaphore.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

struct csem {
    atomic_ulong count;
    pthread_mutex_t sleep_lock;
    pthread_cond_t wake;
    unsigned waiters; /* under sleep_lock */
};

csem_t *csem_new(unsigned value)
{
    csem_t *s = malloc(sizeof *s);
    if (!s)
        return NULL;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int err = pthread_cond_init(&s->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (err || pthread_mutex_init(&s->sleep_lock, NULL) != 0) {
        if (!err)
            pthread_cond_destroy(&s->wake);
        free(s);
        return NULL;
    }
    atomic_init(&s->count, value);
    s->waiters = 0;
    return s;
}

void csem_free(csem_t *s)
{
    if (!s)
        return;
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->sleep_lock);
    free(s);
}

bool csem_try_acquire(csem_t *s)
{
    unsigned long c = atomic_load(&s->count);
    while (c > 0)
        if (atomic_compare_exchange_weak(&s->count, &c, c - 1))
            return true;
    return false;
}

/* Sleeps until a permit is taken, or until `deadline` (NULL: never). */
static bool take(csem_t *s, const struct timespec *deadline)
{
    if (csem_try_acquire(s))
        return true;
    pthread_mutex_lock(&s->sleep_lock);
    s->waiters++;
    bool took;
    while (!(took = csem_try_acquire(s))) {
        if (!deadline)
            pthread_cond_wait(&s->wake, &s->sleep_lock);
        else if (pthread_cond_timedwait(&s->wake, &s->sleep_lock, deadline) == ETIMEDOUT) {
            took = csem_try_acquire(s);
            break;
        }
    }
    s->waiters--;
    pthread_mutex_unlock(&s->sleep_lock);
    return took;
}

void csem_acquire(csem_t *s) { take(s, NULL); }

bool csem_acquire_timeout(csem_t *s, unsigned ms)
{
    struct timespec d;
    clock_gettime(CLOCK_MONOTONIC, &d);
    d.tv_sec += (time_t)(ms / 1000);
    d.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (d.tv_nsec >= 1000000000L) {
        d.tv_sec++;
        d.tv_nsec -= 1000000000L;
    }
    return take(s, &d);
}

void csem_release(csem_t *s)
{
    atomic_fetch_add(&s->count, 1);
    pthread_mutex_lock(&s->sleep_lock);
    if (s->waiters > 0)
        pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->sleep_lock);
}

typedef struct slot_arg {
    pthread_t thread;
    size_t index;
    csem_t *sem;
    void (*task)(size_t i);
} slot_arg;

static void *limited(void *p)
{
    slot_arg *a = p;
    csem_acquire(a->sem);
    a->task(a->index);
    csem_release(a->sem);
    return NULL;
}

int run_limited(size_t n, size_t limit, void (*task)(size_t i))
{
    if (!task || limit == 0)
        return EINVAL;
    if (n == 0)
        return 0;
    csem_t *sem = csem_new(limit > n ? (unsigned)n : (unsigned)limit);
    slot_arg *args = sem ? malloc(n * sizeof *args) : NULL;
    if (!args) {
        csem_free(sem);
        return ENOMEM;
    }
    size_t i;
    int err = 0;
    for (i = 0; i < n && !err; i++) {
        args[i] = (slot_arg){ .index = i, .sem = sem, .task = task };
        err = pthread_create(&args[i].thread, NULL, limited, &args[i]);
    }
    size_t started = err ? i - 1 : n;
    for (size_t k = 0; k < started; k++)
        pthread_join(args[k].thread, NULL);
    free(args);
    csem_free(sem);
    return err;
}
