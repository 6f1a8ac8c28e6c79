/* BUG: one call is made on the caller's own thread, "to save a thread":
 * run_all(1, ...) never starts one. Every call must run on a thread of its
 * own. Every other line is the reference solution.
 * expect: functional */
#include "threads.h"

#include <errno.h>
#include <stdlib.h>

typedef struct call {
    void *(*fn)(void *);
    void *arg;
    void *result;
} call;

static void *run_call(void *p)
{
    call *c = p;
    c->result = c->fn(c->arg);
    return NULL;
}

int run_all(size_t n, void *(*fn)(void *), void *const args[], void *results[])
{
    if (n == 0)
        return 0;
    if (n == 1) {
        results[0] = fn(args[0]);
        return 0;
    }
    pthread_t *threads = malloc(n * sizeof *threads);
    call *calls = malloc(n * sizeof *calls);
    if (!threads || !calls) {
        free(threads);
        free(calls);
        return ENOMEM;
    }
    size_t started = 0;
    int err = 0;
    for (; started < n; started++) {
        calls[started] = (call){ fn, args[started], NULL };
        err = pthread_create(&threads[started], NULL, run_call, &calls[started]);
        if (err)
            break;
    }
    /* Join whatever was started, whether or not all of them were. */
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
