/* BUG: a new thread for every task (the pool is a list of threads it joins
 * at the end): threads are never reused, and every task runs at once, however
 * many `workers` the pool was given.
 * expect: functional race */
#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

typedef struct callback {
    void (*cb)(future_t *f, void *ctx);
    void *ctx;
    struct callback *next;
} callback;

struct future {
    pthread_mutex_t lock;
    pthread_cond_t done_cv;  /* broadcast once, when done */
    bool done;               /* under lock, like result and callbacks */
    void *result;
    callback *callbacks;     /* registered before done, in order */
    callback **last;         /* where the next one goes */
    void *(*fn)(void *);
    void *arg;
    future_t *next;          /* in the pool's queue */
};

struct pool {
    pthread_mutex_t lock;
    pthread_cond_t work;     /* a task was queued, or the pool shut down */
    pthread_cond_t idle;     /* the queue is empty and no worker is busy */
    future_t *head, *tail;   /* queued tasks, oldest first */
    size_t busy;             /* workers running a task (or its callbacks) */
    bool shutdown;
    size_t nworkers;         /* BUG: threads made so far, one per task */
    size_t cap;
    pthread_t *workers;
};

/* ---- futures ---------------------------------------------------------------- */

static future_t *future_new(void *(*fn)(void *), void *arg)
{
    future_t *f = malloc(sizeof *f);
    if (!f)
        return NULL;
    if (pthread_mutex_init(&f->lock, NULL) != 0)
        goto fail_lock;
    if (pthread_cond_init(&f->done_cv, NULL) != 0)
        goto fail_cond;
    f->done = false;
    f->result = NULL;
    f->callbacks = NULL;
    f->last = &f->callbacks;
    f->fn = fn;
    f->arg = arg;
    f->next = NULL;
    return f;

fail_cond:
    pthread_mutex_destroy(&f->lock);
fail_lock:
    free(f);
    return NULL;
}

/* Runs f's task on the calling worker, then its callbacks. */
static void future_run(future_t *f)
{
    void *result = f->fn(f->arg);

    pthread_mutex_lock(&f->lock);
    f->result = result;
    f->done = true;
    callback *list = f->callbacks; /* ours now: no one adds to a done future */
    f->callbacks = NULL;
    f->last = &f->callbacks;
    pthread_cond_broadcast(&f->done_cv); /* every waiter, not just one */
    pthread_mutex_unlock(&f->lock);

    while (list) {
        callback *c = list;
        list = c->next;
        c->cb(f, c->ctx);
        free(c);
    }
}

void *future_result(future_t *f)
{
    pthread_mutex_lock(&f->lock);
    while (!f->done) /* a wait may wake for no reason: check again */
        pthread_cond_wait(&f->done_cv, &f->lock);
    void *result = f->result;
    pthread_mutex_unlock(&f->lock);
    return result;
}

bool future_done(future_t *f)
{
    pthread_mutex_lock(&f->lock);
    bool done = f->done;
    pthread_mutex_unlock(&f->lock);
    return done;
}

void future_on_done(future_t *f, void (*cb)(future_t *f, void *ctx), void *ctx)
{
    callback *c = malloc(sizeof *c); /* before the lock: no malloc while holding it */
    pthread_mutex_lock(&f->lock);
    if (!f->done && c) {
        c->cb = cb;
        c->ctx = ctx;
        c->next = NULL;
        *f->last = c;
        f->last = &c->next;
        pthread_mutex_unlock(&f->lock);
        return; /* the worker runs it */
    }
    pthread_mutex_unlock(&f->lock);
    free(c);
    /* Done already: at once, here. (Out of memory on a pending future: wait
     * for it, then run cb here; it still runs exactly once.) */
    future_result(f);
    cb(f, ctx);
}

void future_free(future_t *f)
{
    if (!f)
        return;
    pthread_cond_destroy(&f->done_cv);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

/* ---- the pool ----------------------------------------------------------------- */

static void *worker_main(void *arg)
{
    pool_t *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->head && !p->shutdown)
            pthread_cond_wait(&p->work, &p->lock);
        if (!p->head)
            break; /* shut down and nothing left to run */
        future_t *f = p->head;
        p->head = f->next;
        if (!p->head)
            p->tail = NULL;
        p->busy++;
        pthread_mutex_unlock(&p->lock);

        future_run(f); /* without the pool's lock: other workers go on */

        pthread_mutex_lock(&p->lock);
        p->busy--;
        if (!p->busy && !p->head)
            pthread_cond_broadcast(&p->idle);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* Stops and joins the first n workers, and frees the pool. */
static void pool_destroy(pool_t *p, size_t n)
{
    pthread_mutex_lock(&p->lock);
    p->shutdown = true;
    pthread_cond_broadcast(&p->work); /* wake every idle worker, not one */
    pthread_mutex_unlock(&p->lock);
    for (size_t i = 0; i < n; i++)
        pthread_join(p->workers[i], NULL);
    pthread_cond_destroy(&p->idle);
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->lock);
    free(p->workers);
    free(p);
}

pool_t *pool_new(size_t workers)
{
    if (workers == 0 || workers > 4096)
        return NULL;
    pool_t *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    if (pthread_mutex_init(&p->lock, NULL) != 0)
        goto fail_lock;
    if (pthread_cond_init(&p->work, NULL) != 0)
        goto fail_work;
    if (pthread_cond_init(&p->idle, NULL) != 0)
        goto fail_idle;
    p->head = p->tail = NULL;
    p->busy = 0;
    p->shutdown = false;
    p->nworkers = 0; /* BUG: none up front, one per task below */
    return p;

fail_idle:
    pthread_cond_destroy(&p->work);
fail_work:
    pthread_mutex_destroy(&p->lock);
fail_lock:
    free(p);
    return NULL;
}

/* pool_submit's work, with the reason for a failure in *err. */
static future_t *submit(pool_t *p, void *(*fn)(void *), void *arg, int *err)
{
    future_t *f = future_new(fn, arg);
    if (!f) {
        *err = ENOMEM;
        return NULL;
    }
    pthread_mutex_lock(&p->lock);
    if (p->shutdown) {
        pthread_mutex_unlock(&p->lock);
        future_free(f);
        *err = ECANCELED;
        return NULL;
    }
    if (p->tail)
        p->tail->next = f;
    else
        p->head = f;
    p->tail = f;
    pthread_cond_signal(&p->work);
    if (p->nworkers == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 8;
        pthread_t *w = realloc(p->workers, cap * sizeof *w);
        if (w) {
            p->workers = w;
            p->cap = cap;
        }
    }
    if (p->nworkers < p->cap && pthread_create(&p->workers[p->nworkers], NULL, worker_main, p) == 0)
        p->nworkers++; /* BUG: a thread per task */
    pthread_mutex_unlock(&p->lock);
    return f;
}

future_t *pool_submit(pool_t *p, void *(*fn)(void *), void *arg)
{
    int err;
    return fn ? submit(p, fn, arg, &err) : NULL;
}

int pool_map(pool_t *p, void *(*fn)(void *), void *const args[], void *results[], size_t n)
{
    pthread_mutex_lock(&p->lock);
    bool down = p->shutdown;
    pthread_mutex_unlock(&p->lock);
    if (down)
        return ECANCELED;
    if (!fn || (n && (!args || !results)))
        return EINVAL;
    if (n == 0)
        return 0;
    future_t **fs = malloc(n * sizeof *fs);
    if (!fs)
        return ENOMEM;
    int err = 0;
    size_t queued = 0;
    while (queued < n && (fs[queued] = submit(p, fn, args[queued], &err)) != NULL)
        queued++;
    /* Collect in the order of args[], whatever order the tasks end in; on a
     * failure part-way, still wait for the ones queued. */
    for (size_t i = 0; i < queued; i++) {
        results[i] = future_result(fs[i]);
        future_free(fs[i]);
    }
    free(fs);
    return err;
}

void pool_shutdown(pool_t *p, bool wait)
{
    pthread_mutex_lock(&p->lock);
    p->shutdown = true;
    pthread_cond_broadcast(&p->work); /* idle workers see it and end */
    while (wait && (p->head || p->busy))
        pthread_cond_wait(&p->idle, &p->lock);
    pthread_mutex_unlock(&p->lock);
}

void pool_free(pool_t *p)
{
    if (!p)
        return;
    /* The workers run the queue empty before they end: joining them is
     * waiting for every task. */
    pool_destroy(p, p->nworkers);
}
