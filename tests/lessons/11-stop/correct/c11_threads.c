/* A correct alternative in C11 <threads.h>: thrd_create, mtx_t and cnd_t;
 * the pause is a cnd_timedwait to a TIME_UTC deadline (C11 has no other
 * clock for it), kept the same across wake-ups. The daemon is a thread
 * detached with thrd_detach before spawn_daemon returns. C11's errors are
 * mapped back to errno values. */
#include "stop.h"

#include <errno.h>
#include <stdlib.h>
#include <threads.h>
#include <time.h>

struct worker {
    thrd_t thread;
    mtx_t mu;
    cnd_t wake;
    bool (*step)(void *arg);
    void *arg;
    unsigned interval_ms;
    bool stop; /* under mu */
    size_t steps;
};

static int errno_of(int thrd_rc) { return thrd_rc == thrd_nomem ? ENOMEM : EAGAIN; }

static struct timespec utc_after(unsigned ms)
{
    struct timespec t;
    timespec_get(&t, TIME_UTC);
    long long ns = (long long)t.tv_nsec + (long long)(ms % 1000) * 1000000LL;
    t.tv_sec += ms / 1000 + (time_t)(ns / 1000000000LL);
    t.tv_nsec = (long)(ns % 1000000000LL);
    return t;
}

static int worker_main(void *p)
{
    worker_t *w = p;
    for (;;) {
        bool more = w->step(w->arg);
        w->steps++;
        if (!more)
            break;
        struct timespec until = utc_after(w->interval_ms);
        mtx_lock(&w->mu);
        int rc = thrd_success;
        while (!w->stop && rc != thrd_timedout)
            rc = cnd_timedwait(&w->wake, &w->mu, &until);
        bool stop = w->stop;
        mtx_unlock(&w->mu);
        if (stop)
            break;
    }
    return 0;
}

worker_t *worker_start(bool (*step)(void *arg), void *arg, unsigned interval_ms)
{
    worker_t *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    *w = (worker_t){ .step = step, .arg = arg, .interval_ms = interval_ms };
    if (mtx_init(&w->mu, mtx_plain) != thrd_success)
        goto fail_free;
    if (cnd_init(&w->wake) != thrd_success)
        goto fail_mtx;
    if (thrd_create(&w->thread, worker_main, w) != thrd_success)
        goto fail_cnd;
    return w;
fail_cnd:
    cnd_destroy(&w->wake);
fail_mtx:
    mtx_destroy(&w->mu);
fail_free:
    free(w);
    return NULL;
}

size_t worker_stop(worker_t *w)
{
    mtx_lock(&w->mu);
    w->stop = true;
    cnd_signal(&w->wake);
    mtx_unlock(&w->mu);
    thrd_join(w->thread, NULL);
    size_t steps = w->steps;
    cnd_destroy(&w->wake);
    mtx_destroy(&w->mu);
    free(w);
    return steps;
}

typedef struct job {
    void (*fn)(void *);
    void *arg;
} job;

static int daemon_main(void *p)
{
    job j = *(job *)p;
    free(p);
    j.fn(j.arg);
    return 0;
}

int spawn_daemon(void (*fn)(void *), void *arg)
{
    job *j = malloc(sizeof *j);
    if (!j)
        return ENOMEM;
    j->fn = fn;
    j->arg = arg;
    thrd_t t;
    int rc = thrd_create(&t, daemon_main, j);
    if (rc != thrd_success) {
        free(j);
        return errno_of(rc);
    }
    thrd_detach(t);
    return 0;
}
