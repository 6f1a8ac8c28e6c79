/* A correct alternative that includes both the lesson's "threads.h" and C11's
 * <threads.h> (the lesson's headers are -iquote: <threads.h> is the system's)
 * and refuses a task_join from the task's own thread with C11's
 * thrd_current/thrd_equal (thrd_t is a pthread_t in glibc). Must get full
 * marks. */
#include "threads.h"

#include <threads.h>

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
    thrd_t self = thrd_current();
    if (thrd_equal(self, t->thread))
        return EDEADLK; /* a thread cannot wait for itself to finish */
    return pthread_join(t->thread, NULL);
}
