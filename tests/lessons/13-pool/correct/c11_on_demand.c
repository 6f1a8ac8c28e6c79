/* Correct, another style: C11 <threads.h>, and workers started on demand
 * (as Python's ThreadPoolExecutor does): pool_submit starts a new worker
 * only when more tasks are queued than workers are idle, and fewer than
 * `workers` exist. Callbacks are
 * kept newest first and run in that order (the contract fixes no order);
 * pool_shutdown(p, true) waits on a condition until nothing is queued or
 * running. */
#include "pool.h"

#include <errno.h>
#include <stdlib.h>
#include <threads.h>

typedef struct callback {
    void (*cb)(future_t *f, void *ctx);
    void *ctx;
    struct callback *next;
} callback;

struct future {
    mtx_t mu;
    cnd_t cv;
    bool done;
    void *result;
    callback *callbacks; /* newest first */
    void *(*fn)(void *);
    void *arg;
    future_t *next;
};

struct pool {
    mtx_t mu;
    cnd_t work, idle_cv;
    future_t *head, *tail;
    size_t max, nthreads, idle, busy, queued;
    bool shutdown;
    thrd_t threads[];
};

static void run(future_t *f)
{
    void *r = f->fn(f->arg);
    mtx_lock(&f->mu);
    f->result = r;
    f->done = true;
    callback *c = f->callbacks;
    f->callbacks = NULL;
    cnd_broadcast(&f->cv);
    mtx_unlock(&f->mu);
    while (c) {
        callback *next = c->next;
        c->cb(f, c->ctx);
        free(c);
        c = next;
    }
}

static int worker(void *arg)
{
    pool_t *p = arg;
    mtx_lock(&p->mu);
    for (;;) {
        p->idle++;
        while (!p->head && !p->shutdown)
            cnd_wait(&p->work, &p->mu);
        p->idle--;
        future_t *f = p->head;
        if (!f)
            break;
        p->head = f->next;
        if (!p->head)
            p->tail = NULL;
        p->queued--;
        p->busy++;
        mtx_unlock(&p->mu);
        run(f);
        mtx_lock(&p->mu);
        if (--p->busy == 0 && !p->head)
            cnd_broadcast(&p->idle_cv);
    }
    mtx_unlock(&p->mu);
    return 0;
}

pool_t *pool_new(size_t workers)
{
    if (workers == 0 || workers > 4096)
        return NULL;
    pool_t *p = calloc(1, sizeof *p + workers * sizeof(thrd_t));
    if (!p)
        return NULL;
    if (mtx_init(&p->mu, mtx_plain) != thrd_success) {
        free(p);
        return NULL;
    }
    cnd_init(&p->work);
    cnd_init(&p->idle_cv);
    p->max = workers;
    return p;
}

future_t *pool_submit(pool_t *p, void *(*fn)(void *), void *arg)
{
    if (!fn)
        return NULL;
    future_t *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    mtx_init(&f->mu, mtx_plain);
    cnd_init(&f->cv);
    f->fn = fn;
    f->arg = arg;
    mtx_lock(&p->mu);
    if (p->shutdown) {
        mtx_unlock(&p->mu);
        future_free(f);
        return NULL;
    }
    if (p->tail)
        p->tail->next = f;
    else
        p->head = f;
    p->tail = f;
    p->queued++;
    /* Idle workers take the queued tasks; one more queued than idle
     * workers: a new worker, while there is room. A failed start is fine
     * while some worker exists: it gets to the task later. */
    if (p->queued > p->idle && p->nthreads < p->max &&
        thrd_create(&p->threads[p->nthreads], worker, p) == thrd_success)
        p->nthreads++;
    if (p->nthreads == 0) { /* no worker at all: take the task back */
        p->head = p->tail = NULL;
        p->queued = 0;
        mtx_unlock(&p->mu);
        future_free(f);
        return NULL;
    }
    cnd_signal(&p->work);
    mtx_unlock(&p->mu);
    return f;
}

void *future_result(future_t *f)
{
    mtx_lock(&f->mu);
    while (!f->done)
        cnd_wait(&f->cv, &f->mu);
    void *r = f->result;
    mtx_unlock(&f->mu);
    return r;
}

bool future_done(future_t *f)
{
    mtx_lock(&f->mu);
    bool d = f->done;
    mtx_unlock(&f->mu);
    return d;
}

void future_on_done(future_t *f, void (*cb)(future_t *f, void *ctx), void *ctx)
{
    callback *c = malloc(sizeof *c);
    mtx_lock(&f->mu);
    if (c && !f->done) {
        *c = (callback){ cb, ctx, f->callbacks };
        f->callbacks = c;
        mtx_unlock(&f->mu);
        return;
    }
    mtx_unlock(&f->mu);
    free(c);
    future_result(f);
    cb(f, ctx);
}

void future_free(future_t *f)
{
    if (!f)
        return;
    cnd_destroy(&f->cv);
    mtx_destroy(&f->mu);
    free(f);
}

int pool_map(pool_t *p, void *(*fn)(void *), void *const args[], void *results[], size_t n)
{
    mtx_lock(&p->mu);
    bool down = p->shutdown;
    mtx_unlock(&p->mu);
    if (down)
        return ECANCELED;
    if (!fn || (n && (!args || !results)))
        return EINVAL;
    future_t **fs = calloc(n + 1, sizeof *fs);
    if (!fs)
        return ENOMEM;
    size_t k = 0;
    while (k < n && (fs[k] = pool_submit(p, fn, args[k])))
        k++;
    for (size_t i = 0; i < k; i++) {
        results[i] = future_result(fs[i]);
        future_free(fs[i]);
    }
    free(fs);
    return k == n ? 0 : ENOMEM;
}

void pool_shutdown(pool_t *p, bool wait)
{
    mtx_lock(&p->mu);
    p->shutdown = true;
    cnd_broadcast(&p->work);
    while (wait && (p->head || p->busy))
        cnd_wait(&p->idle_cv, &p->mu);
    mtx_unlock(&p->mu);
}

void pool_free(pool_t *p)
{
    if (!p)
        return;
    pool_shutdown(p, true);
    for (size_t i = 0; i < p->nthreads; i++)
        thrd_join(p->threads[i], NULL);
    cnd_destroy(&p->idle_cv);
    cnd_destroy(&p->work);
    mtx_destroy(&p->mu);
    free(p);
}
