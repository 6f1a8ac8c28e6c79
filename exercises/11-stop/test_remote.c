/* test_remote.c - carries lesson 11's API from the tests to your stop.c.
 *
 * The tests run in a process of their own (the judge); your code runs in
 * another (the subject). Each function below, on the tests' side, sends the
 * call to your process, where the matching do_ function makes it. You never
 * need to read or change this file: it is how the grader keeps its verdict
 * out of reach of the code it grades.
 *
 * The step and fn you are given are stand-ins: each call of them asks the
 * tests' process to run the tests' own function (on a thread of its own
 * that stands for your thread) and returns its value when it has returned.
 * A test can so hold a step, or a daemon's fn, for as long as it likes.
 */
#include "remote.h"
#include "stop.h"

enum { F_WORKER_START, F_WORKER_STOP, F_SPAWN_DAEMON };
REMOTE_NAMES("worker_start", "worker_stop", "spawn_daemon");

#ifdef REMOTE_JUDGE
static uint64_t invoke_step(remote_any_fn fn, const uint64_t *arg, size_t nargs)
{
    return ((bool (*)(void *))fn)(nargs ? REMOTE_AS_PTR(arg[0]) : NULL);
}

static uint64_t invoke_daemon(remote_any_fn fn, const uint64_t *arg, size_t nargs)
{
    ((void (*)(void *))fn)(nargs ? REMOTE_AS_PTR(arg[0]) : NULL);
    return 0;
}

worker_t *worker_start(bool (*step)(void *arg), void *arg, unsigned interval_ms)
{
    uint64_t id = remote_callback((remote_any_fn)step, invoke_step);
    return REMOTE_AS_PTR(REMOTE_CALL(F_WORKER_START, id, REMOTE_PTR_ARG(arg), interval_ms));
}

size_t worker_stop(worker_t *w) { return (size_t)REMOTE_CALL(F_WORKER_STOP, REMOTE_PTR_ARG(w)); }

int spawn_daemon(void (*fn)(void *), void *arg)
{
    uint64_t id = remote_callback((remote_any_fn)fn, invoke_daemon);
    return (int)(int64_t)REMOTE_CALL(F_SPAWN_DAEMON, id, REMOTE_PTR_ARG(arg));
}
#endif

#ifdef REMOTE_SUBJECT
#include <stdlib.h>

/* What a stand-in needs: the test's function (its callback id) and the
 * test's argument. The judge's handle for a worker is its twin; your
 * worker_t is inside. Written before your thread starts, read by it. */
typedef struct twin {
    worker_t *w;
    uint64_t fn_id, arg;
} twin;

static bool step_stand_in(void *p)
{
    twin *t = p;
    return REMOTE_RUN_CALLBACK(t->fn_id, t->arg) != 0;
}

static void daemon_stand_in(void *p)
{
    twin *t = p;
    uint64_t id = t->fn_id, arg = t->arg;
    free(t);
    REMOTE_RUN_CALLBACK(id, arg);
}

/* args: step's callback id, the test's arg, interval_ms. */
static uint64_t do_worker_start(remote_args *a)
{
    twin *t = calloc(1, sizeof *t);
    if (!t)
        abort();
    t->fn_id = a->arg[0];
    t->arg = a->arg[1];
    t->w = worker_start(step_stand_in, t, (unsigned)a->arg[2]);
    if (!t->w) {
        free(t);
        return 0;
    }
    return REMOTE_PTR_ARG(t);
}

static uint64_t do_worker_stop(remote_args *a)
{
    twin *t = REMOTE_AS_PTR(a->arg[0]);
    size_t n = worker_stop(t ? t->w : NULL);
    free(t);
    return (uint64_t)n;
}

/* args: fn's callback id, the test's arg. */
static uint64_t do_spawn_daemon(remote_args *a)
{
    twin *t = calloc(1, sizeof *t);
    if (!t)
        abort();
    t->fn_id = a->arg[0];
    t->arg = a->arg[1];
    int rc = spawn_daemon(daemon_stand_in, t);
    if (rc != 0)
        free(t); /* fn never runs */
    return (uint64_t)(int64_t)rc;
}
REMOTE_FUNCTIONS(do_worker_start, do_worker_stop, do_spawn_daemon);
/* worker_start leaves its worker running (worker_stop joins it); a daemon
 * is detached by spawn_daemon and runs on alone. */
REMOTE_LEAVES({ F_WORKER_START, REMOTE_LEAVES_THREADS }, { F_SPAWN_DAEMON, REMOTE_MAY_DETACH });
#endif
