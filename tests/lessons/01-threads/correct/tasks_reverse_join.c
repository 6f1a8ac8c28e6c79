/* A correct alternative: run_all built on the lesson's own task_t (the
 * "Thread subclass" idiom): one allocation of calls that embed a task_t,
 * each call writes its result straight into results[i], and the threads are
 * joined in reverse order. Must get full marks. */
#include "threads.h"

#include <errno.h>
#include <stdlib.h>

typedef struct call {
    task_t task; /* first member: a task_t * is a call * */
    void *(*fn)(void *);
    void *arg;
    void **result;
} call;

static void run_call(task_t *self)
{
    call *c = (call *)self;
    *c->result = c->fn(c->arg);
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

int run_all(size_t n, void *(*fn)(void *), void *const args[], void *results[])
{
    call *calls = n ? calloc(n, sizeof *calls) : NULL;
    if (n && !calls)
        return ENOMEM;
    size_t started = 0;
    int err = 0;
    while (started < n && !err) {
        calls[started] = (call){ .task.run = run_call, .fn = fn, .arg = args[started],
                                 .result = &results[started] };
        err = task_start(&calls[started].task);
        if (!err)
            started++;
    }
    while (started > 0)
        task_join(&calls[--started].task);
    free(calls);
    return err;
}
