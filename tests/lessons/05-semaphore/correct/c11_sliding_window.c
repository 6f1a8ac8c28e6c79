/* Correct, another style: C11 <threads.h> (mtx_t, cnd_t, thrd_t) for the
 * semaphore, and a run_limited that keeps a sliding window: the caller takes
 * a slot before it starts each task's thread, and the thread gives the slot
 * back when its task is done, so never more than `limit` threads exist
 * running tasks at once. The timed wait uses TIME_UTC (C11's only clock),
 * deadline computed once. */
#include "semaphore.h"

#include <errno.h>
#include <stdlib.h>
#include <threads.h>
#include <time.h>

struct csem {
    mtx_t lock;
    cnd_t available;
    unsigned long count;
};

csem_t *csem_new(unsigned value)
{
    csem_t *s = malloc(sizeof *s);
    if (!s)
        return NULL;
    if (mtx_init(&s->lock, mtx_plain) != thrd_success) {
        free(s);
        return NULL;
    }
    if (cnd_init(&s->available) != thrd_success) {
        mtx_destroy(&s->lock);
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
    cnd_destroy(&s->available);
    mtx_destroy(&s->lock);
    free(s);
}

void csem_acquire(csem_t *s)
{
    mtx_lock(&s->lock);
    while (s->count == 0)
        cnd_wait(&s->available, &s->lock);
    s->count--;
    mtx_unlock(&s->lock);
}

bool csem_try_acquire(csem_t *s)
{
    mtx_lock(&s->lock);
    bool took = s->count > 0;
    if (took)
        s->count--;
    mtx_unlock(&s->lock);
    return took;
}

bool csem_acquire_timeout(csem_t *s, unsigned ms)
{
    struct timespec deadline;
    timespec_get(&deadline, TIME_UTC);
    deadline.tv_sec += (time_t)(ms / 1000);
    deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    mtx_lock(&s->lock);
    while (s->count == 0)
        if (cnd_timedwait(&s->available, &s->lock, &deadline) == thrd_timedout)
            break;
    bool took = s->count > 0;
    if (took)
        s->count--;
    mtx_unlock(&s->lock);
    return took;
}

void csem_release(csem_t *s)
{
    mtx_lock(&s->lock);
    s->count++;
    cnd_signal(&s->available);
    mtx_unlock(&s->lock);
}

typedef struct job {
    thrd_t thread;
    size_t index;
    csem_t *slots;
    void (*task)(size_t i);
} job;

static int run_job(void *p)
{
    job *j = p;
    j->task(j->index);
    csem_release(j->slots); /* the window moves on */
    return 0;
}

int run_limited(size_t n, size_t limit, void (*task)(size_t i))
{
    if (limit == 0 || !task)
        return EINVAL;
    if (n == 0)
        return 0;
    csem_t *slots = csem_new((unsigned)(limit < n ? limit : n));
    job *jobs = calloc(n, sizeof *jobs);
    if (!slots || !jobs) {
        csem_free(slots);
        free(jobs);
        return ENOMEM;
    }
    int err = 0;
    size_t started = 0;
    for (; started < n; started++) {
        csem_acquire(slots); /* wait for a free place in the window */
        jobs[started] = (job){ .index = started, .slots = slots, .task = task };
        int rc = thrd_create(&jobs[started].thread, run_job, &jobs[started]);
        if (rc != thrd_success) {
            csem_release(slots);
            err = rc == thrd_nomem ? ENOMEM : EAGAIN;
            break;
        }
    }
    for (size_t i = 0; i < started; i++)
        thrd_join(jobs[i].thread, NULL);
    free(jobs);
    csem_free(slots);
    return err;
}
