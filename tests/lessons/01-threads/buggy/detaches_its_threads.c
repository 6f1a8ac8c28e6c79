/* BUG: run_all detaches every thread it starts and waits on a counter for
 * the calls to finish: nothing tells when a detached thread is gone, so
 * run_all may return while its threads are still running (lesson 01's
 * contract: join every thread; only a daemon may be detached).
 * expect: functional timing */
#include "threads.h"

#include <errno.h>
#include <stdlib.h>

typedef struct shared {
    pthread_mutex_t mu;
    pthread_cond_t all_done;
    size_t done;
} shared;

typedef struct call {
    void *(*fn)(void *);
    void *arg;
    void *result;
    shared *s;
} call;

static void *run_call(void *p)
{
    call *c = p;
    c->result = c->fn(c->arg);
    pthread_mutex_lock(&c->s->mu);
    c->s->done++;
    pthread_cond_signal(&c->s->all_done);
    pthread_mutex_unlock(&c->s->mu);
    return NULL;
}

int run_all(size_t n, void *(*fn)(void *), void *const args[], void *results[])
{
    if (n == 0)
        return 0;
    call *calls = malloc(n * sizeof *calls);
    shared *s = malloc(sizeof *s);
    if (!calls || !s) {
        free(calls);
        free(s);
        return ENOMEM;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->all_done, NULL);
    s->done = 0;
    size_t started = 0;
    int err = 0;
    for (; started < n; started++) {
        calls[started] = (call){ fn, args[started], NULL, s };
        pthread_t t;
        err = pthread_create(&t, NULL, run_call, &calls[started]);
        if (err)
            break;
        pthread_detach(t);
    }
    pthread_mutex_lock(&s->mu);
    while (s->done < started)
        pthread_cond_wait(&s->all_done, &s->mu);
    pthread_mutex_unlock(&s->mu);
    for (size_t i = 0; i < started && !err; i++)
        results[i] = calls[i].result;
    free(calls);
    /* s is never freed: a thread may still be unlocking its mutex. */
    return err;
}

static void *run_task(void *p)
{
    task_t *t = p;
    t->run(t);
    return NULL;
}

int task_start(task_t *t)
{
    return pthread_create(&t->thread, NULL, run_task, t);
}

int task_join(task_t *t)
{
    return pthread_join(t->thread, NULL);
}
