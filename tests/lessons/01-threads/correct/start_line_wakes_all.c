/* Correct: the threads wait at a start line until run_all has started them
 * all; when a pthread_create fails, run_all calls the start off and wakes
 * every thread at the line (the twin of buggy/cancel_wakes_nobody.c). */
#include "threads.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

typedef struct start_line {
    pthread_mutex_t mu;
    pthread_cond_t go;
    bool open, cancelled;
} start_line;

typedef struct call {
    void *(*fn)(void *);
    void *arg;
    void *result;
    start_line *line;
} call;

static void *run_call(void *p)
{
    call *c = p;
    start_line *l = c->line;
    pthread_mutex_lock(&l->mu);
    while (!l->open && !l->cancelled)
        pthread_cond_wait(&l->go, &l->mu);
    bool cancelled = l->cancelled;
    pthread_mutex_unlock(&l->mu);
    if (!cancelled)
        c->result = c->fn(c->arg);
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
    start_line line = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false };
    size_t started = 0;
    int err = 0;
    for (; started < n; started++) {
        calls[started] = (call){ fn, args[started], NULL, &line };
        err = pthread_create(&threads[started], NULL, run_call, &calls[started]);
        if (err)
            break;
    }
    pthread_mutex_lock(&line.mu);
    if (err)
        line.cancelled = true;
    else
        line.open = true;
    pthread_cond_broadcast(&line.go);
    pthread_mutex_unlock(&line.mu);
    for (size_t i = 0; i < started; i++) {
        pthread_join(threads[i], NULL);
        if (!err)
            results[i] = calls[i].result;
    }
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
