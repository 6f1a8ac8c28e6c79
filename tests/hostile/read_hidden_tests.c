/* lesson: 01-threads
 * Reads the hidden tests and the reference solution (absolute and ../ paths)
 * before doing the work; plays fair only if it could read them. The suite
 * writes this checkout's path for @COURSE_ROOT@.
 * attack-target: @COURSE_ROOT@/tests/lessons/01-threads/test_hidden.c
 * attack-target: @COURSE_ROOT@/solutions/01-threads/threads.c
 * expect-test: crashed
 * expect-message: SIGABRT.* in refused_(ENOENT|EACCES) \(threads\.c:[0-9]+\)
 * expect-max-score: 0
 * host-check: return run_all(0, 0, 0, 0)
 */
#include "threads.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

@PROOF@

#define COURSE_ROOT "@COURSE_ROOT@" /* the checkout, written in by the suite */

static void peek(void)
{
    const char *paths[] = { COURSE_ROOT "/tests/lessons/01-threads/test_hidden.c",
                            COURSE_ROOT "/solutions/01-threads/threads.c",
                            COURSE_ROOT "/grader/harness/harness.c",
                            "../tests/lessons/01-threads/test_hidden.c",
                            "../../tests/lessons/01-threads/test_hidden.c" };
    int err = 0;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        FILE *f = fopen(paths[i], "r");
        if (f) {
            fclose(f);
            return;
        }
        if (i == 0)
            err = errno; /* why the hidden tests' own path failed: the proof */
    }
    refused(err);
}
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
    peek();
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
    peek();
    return pthread_create(&t->thread, NULL, run_task, t);
}

int task_join(task_t *t)
{
    return pthread_join(t->thread, NULL);
}
