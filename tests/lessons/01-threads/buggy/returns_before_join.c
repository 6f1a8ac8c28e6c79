/* BUG: run_all waits until every call has stored its result (a counter
 * under a mutex and a condition variable), then returns without joining
 * the threads: they have finished their calls, but are still there (and
 * may still be unlocking the counter's mutex on run_all's stack).
 * expect: functional timing */
#include "threads.h"

#include <errno.h>
#include <stdlib.h>

typedef struct done_count {
    pthread_mutex_t mu;
    pthread_cond_t all_done;
    size_t done;
} done_count;

typedef struct call {
    void *(*fn)(void *);
    void *arg;
    void *result;
    done_count *count;
} call;

static void *run_call(void *p)
{
    call *c = p;
    c->result = c->fn(c->arg);
    pthread_mutex_lock(&c->count->mu);
    c->count->done++;
    pthread_cond_broadcast(&c->count->all_done);
    pthread_mutex_unlock(&c->count->mu);
    return NULL;
}

int run_all(size_t n, void *(*fn)(void *), void *const args[], void *results[])
{
    if (n == 0)
        return 0;
    pthread_t *threads = malloc(n * sizeof *threads);
    call *calls = malloc(n * sizeof *calls);
    if (!threads || !calls) {
        free(threads);
        free(calls);
        return ENOMEM;
    }
    done_count count = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };
    size_t started = 0;
    int err = 0;
    for (; started < n; started++) {
        calls[started] = (call){ fn, args[started], NULL, &count };
        err = pthread_create(&threads[started], NULL, run_call, &calls[started]);
        if (err)
            break;
    }
    /* Every started call has stored its result: "they are done". */
    pthread_mutex_lock(&count.mu);
    while (count.done < started)
        pthread_cond_wait(&count.all_done, &count.mu);
    pthread_mutex_unlock(&count.mu);
    for (size_t i = 0; i < started && !err; i++)
        results[i] = calls[i].result;
    free(threads);
    free(calls);
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
