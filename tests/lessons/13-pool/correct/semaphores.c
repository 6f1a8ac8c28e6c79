/* Correct, another style: POSIX semaphores and atomics instead of
 * condition variables. The queue has a semaphore with one post per queued
 * task (and, at shutdown, one "stop" post per worker: a worker that finds
 * the queue empty after a post ends). A future is completed by one post of
 * its semaphore; every waiter passes it on with a post of its own (a
 * turnstile), so all of them wake. The done flag is atomic (release when
 * set, acquire when read), the callbacks are guarded by a small mutex. */
#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdlib.h>

typedef struct callback {
    void (*cb)(future_t *f, void *ctx);
    void *ctx;
    struct callback *next;
} callback;

struct future {
    sem_t turnstile;         /* posted once when done; each waiter posts it on */
    atomic_bool done;
    void *result;            /* written before done is set */
    pthread_mutex_t cb_lock; /* callbacks, and done against them */
    callback *callbacks;
    void *(*fn)(void *);
    void *arg;
    future_t *next;
};

struct pool {
    pthread_mutex_t lock;    /* queue, shutdown, pending */
    sem_t items;             /* one post per queued task, one per worker at stop */
    sem_t drained;           /* posted once: shut down and nothing pending */
    future_t *head, *tail;
    size_t pending;          /* queued or running */
    bool shutdown;
    size_t nworkers;
    pthread_t *workers;
};

static void sem_wait_all(sem_t *s)
{
    while (sem_wait(s) != 0 && errno == EINTR)
        ;
}

static void complete(future_t *f, void *result)
{
    f->result = result;
    pthread_mutex_lock(&f->cb_lock);
    atomic_store_explicit(&f->done, true, memory_order_release);
    callback *list = f->callbacks;
    f->callbacks = NULL;
    sem_post(&f->turnstile);
    pthread_mutex_unlock(&f->cb_lock); /* the last touch of f: future_free waits for it */
    /* Registered in order at the head: run them oldest first. */
    callback *rev = NULL;
    while (list) {
        callback *c = list;
        list = c->next;
        c->next = rev;
        rev = c;
    }
    while (rev) {
        callback *c = rev;
        rev = c->next;
        c->cb(f, c->ctx);
        free(c);
    }
}

static void *worker(void *arg)
{
    pool_t *p = arg;
    for (;;) {
        sem_wait_all(&p->items);
        pthread_mutex_lock(&p->lock);
        future_t *f = p->head;
        if (!f) { /* a stop post: shut down and drained */
            pthread_mutex_unlock(&p->lock);
            return NULL;
        }
        p->head = f->next;
        if (!p->head)
            p->tail = NULL;
        pthread_mutex_unlock(&p->lock);

        complete(f, f->fn(f->arg));

        pthread_mutex_lock(&p->lock);
        if (--p->pending == 0 && p->shutdown)
            sem_post(&p->drained);
        pthread_mutex_unlock(&p->lock);
    }
}

pool_t *pool_new(size_t workers)
{
    if (workers == 0)
        return NULL;
    pool_t *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->workers = calloc(workers, sizeof *p->workers);
    if (!p->workers) {
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->lock, NULL);
    sem_init(&p->items, 0, 0);
    sem_init(&p->drained, 0, 0);
    for (; p->nworkers < workers; p->nworkers++)
        if (pthread_create(&p->workers[p->nworkers], NULL, worker, p) != 0) {
            pool_free(p); /* stops and joins the ones started */
            return NULL;
        }
    return p;
}

future_t *pool_submit(pool_t *p, void *(*fn)(void *), void *arg)
{
    if (!fn)
        return NULL;
    future_t *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    sem_init(&f->turnstile, 0, 0);
    pthread_mutex_init(&f->cb_lock, NULL);
    f->fn = fn;
    f->arg = arg;
    pthread_mutex_lock(&p->lock);
    if (p->shutdown) {
        pthread_mutex_unlock(&p->lock);
        future_free(f);
        return NULL;
    }
    if (p->tail)
        p->tail->next = f;
    else
        p->head = f;
    p->tail = f;
    p->pending++;
    pthread_mutex_unlock(&p->lock);
    sem_post(&p->items);
    return f;
}

void *future_result(future_t *f)
{
    if (!atomic_load_explicit(&f->done, memory_order_acquire)) {
        sem_wait_all(&f->turnstile);
        sem_post(&f->turnstile); /* the next waiter */
    }
    atomic_load_explicit(&f->done, memory_order_acquire);
    return f->result;
}

bool future_done(future_t *f) { return atomic_load_explicit(&f->done, memory_order_acquire); }

void future_on_done(future_t *f, void (*cb)(future_t *f, void *ctx), void *ctx)
{
    callback *c = malloc(sizeof *c);
    pthread_mutex_lock(&f->cb_lock);
    if (c && !atomic_load_explicit(&f->done, memory_order_relaxed)) {
        *c = (callback){ cb, ctx, f->callbacks };
        f->callbacks = c;
        pthread_mutex_unlock(&f->cb_lock);
        return;
    }
    pthread_mutex_unlock(&f->cb_lock);
    free(c);
    future_result(f);
    cb(f, ctx);
}

void future_free(future_t *f)
{
    if (!f)
        return;
    /* The worker may still be on its way out of the critical section that
     * made f done: wait for it to leave. */
    pthread_mutex_lock(&f->cb_lock);
    pthread_mutex_unlock(&f->cb_lock);
    sem_destroy(&f->turnstile);
    pthread_mutex_destroy(&f->cb_lock);
    free(f);
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
    future_t **fs = calloc(n + 1, sizeof *fs);
    if (!fs)
        return ENOMEM;
    int err = 0;
    size_t k = 0;
    for (; k < n; k++)
        if (!(fs[k] = pool_submit(p, fn, args[k]))) {
            err = ENOMEM;
            break;
        }
    for (size_t i = 0; i < k; i++) {
        results[i] = future_result(fs[i]);
        future_free(fs[i]);
    }
    free(fs);
    return err;
}

void pool_shutdown(pool_t *p, bool wait)
{
    pthread_mutex_lock(&p->lock);
    if (!p->shutdown) {
        p->shutdown = true;
        for (size_t i = 0; i < p->nworkers; i++)
            sem_post(&p->items); /* a stop for each worker, after every task */
        if (p->pending == 0)
            sem_post(&p->drained);
    }
    pthread_mutex_unlock(&p->lock);
    if (wait) {
        sem_wait_all(&p->drained);
        sem_post(&p->drained); /* for the next one who waits */
    }
}

void pool_free(pool_t *p)
{
    if (!p)
        return;
    pool_shutdown(p, true);
    for (size_t i = 0; i < p->nworkers; i++)
        pthread_join(p->workers[i], NULL);
    sem_destroy(&p->drained);
    sem_destroy(&p->items);
    pthread_mutex_destroy(&p->lock);
    free(p->workers);
    free(p);
}
