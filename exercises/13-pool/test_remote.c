/* test_remote.c - carries lesson 13's API from the tests to your pool.c.
 *
 * The tests run in a process of their own (the judge); your code runs in
 * another (the subject). Each function below, on the tests' side, sends the
 * call to your process, where the matching do_ function makes it. You never
 * need to read or change this file: it is how the grader keeps its verdict
 * out of reach of the code it grades.
 *
 * The tasks and callbacks your pool runs belong to the tests: in your
 * process each is a small stand-in that asks the tests' process to run the
 * test's function (on a thread that stands for your worker) and waits until
 * it has returned. The argument your pool hands a task or a callback is a
 * small record of this file's that names the test's function and argument.
 * Your pool_t and future_t pointers travel as they are: the tests only hand
 * them back.
 */
#include "remote.h"
#include "pool.h"

enum { F_NEW, F_SUBMIT, F_RESULT, F_DONE, F_ON_DONE, F_FUTURE_FREE, F_MAP, F_SHUTDOWN, F_FREE };
REMOTE_NAMES("pool_new", "pool_submit", "future_result", "future_done", "future_on_done",
             "future_free", "pool_map", "pool_shutdown", "pool_free");

/* The id that stands for "no function" (NULL). */
#define NO_FN UINT64_MAX
/* The most calls one pool_map carries (args and results fit in one message). */
#define MAX_MAP 4096

#ifdef REMOTE_JUDGE
#include <check.h>

static uint64_t invoke_task(remote_any_fn fn, const uint64_t *arg, size_t nargs)
{
    void *(*task)(void *) = (void *(*)(void *))fn;
    return REMOTE_PTR_ARG(task(nargs >= 1 ? REMOTE_AS_PTR(arg[0]) : NULL));
}

static uint64_t invoke_cb(remote_any_fn fn, const uint64_t *arg, size_t nargs)
{
    void (*cb)(future_t *, void *) = (void (*)(future_t *, void *))fn;
    cb(nargs >= 1 ? REMOTE_AS_PTR(arg[0]) : NULL, nargs >= 2 ? REMOTE_AS_PTR(arg[1]) : NULL);
    return 0;
}

static uint64_t task_id(void *(*fn)(void *))
{
    return fn ? remote_callback((remote_any_fn)fn, invoke_task) : NO_FN;
}

pool_t *pool_new(size_t workers) { return REMOTE_AS_PTR(REMOTE_CALL(F_NEW, (uint64_t)workers)); }

future_t *pool_submit(pool_t *p, void *(*fn)(void *), void *arg)
{
    return REMOTE_AS_PTR(REMOTE_CALL(F_SUBMIT, REMOTE_PTR_ARG(p), task_id(fn), REMOTE_PTR_ARG(arg)));
}

void *future_result(future_t *f) { return REMOTE_AS_PTR(REMOTE_CALL(F_RESULT, REMOTE_PTR_ARG(f))); }
bool future_done(future_t *f) { return REMOTE_CALL(F_DONE, REMOTE_PTR_ARG(f)) != 0; }

void future_on_done(future_t *f, void (*cb)(future_t *f, void *ctx), void *ctx)
{
    uint64_t id = cb ? remote_callback((remote_any_fn)cb, invoke_cb) : NO_FN;
    REMOTE_CALL(F_ON_DONE, REMOTE_PTR_ARG(f), id, REMOTE_PTR_ARG(ctx));
}

void future_free(future_t *f) { REMOTE_CALL(F_FUTURE_FREE, REMOTE_PTR_ARG(f)); }

int pool_map(pool_t *p, void *(*fn)(void *), void *const args[], void *results[], size_t n)
{
    if (n > MAX_MAP)
        ck_abort_msg("the test asks pool_map for %zu calls; at most %d travel", n, MAX_MAP);
    uint64_t buf[MAX_MAP];
    for (size_t i = 0; i < n; i++)
        buf[i] = args ? REMOTE_PTR_ARG(args[i]) : 0;
    uint64_t call[] = { REMOTE_PTR_ARG(p), task_id(fn), n, args != NULL, results != NULL };
    size_t got = 0;
    int rc = (int)(int64_t)remote_call_bytes(F_MAP, 5, call, buf, n * sizeof buf[0], buf,
                                             n * sizeof buf[0], &got);
    for (size_t i = 0; results && i < n && (i + 1) * sizeof buf[0] <= got; i++)
        results[i] = REMOTE_AS_PTR(buf[i]);
    return rc;
}

void pool_shutdown(pool_t *p, bool wait) { REMOTE_CALL(F_SHUTDOWN, REMOTE_PTR_ARG(p), wait); }
void pool_free(pool_t *p) { REMOTE_CALL(F_FREE, REMOTE_PTR_ARG(p)); }
#endif

#ifdef REMOTE_SUBJECT
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* What your pool hands a task or a callback: the test's function (its
 * callback id) and argument. Taken from a fixed arena, never freed (a task
 * or callback run twice finds its record still there, and the tests say so). */
typedef struct carried {
    uint64_t fn_id, arg;
} carried;
#define ARENA (1u << 16)
static carried arena[ARENA];
static atomic_size_t arena_used;

static carried *carry(size_t n)
{
    /* Relaxed: the index is all it hands out; no order between threads. */
    size_t k = atomic_fetch_add_explicit(&arena_used, n, memory_order_relaxed);
    if (k > ARENA - n)
        abort(); /* the tests never make this many */
    return &arena[k];
}

/* The task your pool runs: the test's fn(arg), in the tests' process. */
static void *task_stand_in(void *p)
{
    const carried *c = p;
    return REMOTE_AS_PTR(REMOTE_RUN_CALLBACK(c->fn_id, c->arg));
}

/* The callback your pool runs: the test's cb(f, ctx), in the tests' process. */
static void cb_stand_in(future_t *f, void *p)
{
    const carried *c = p;
    REMOTE_RUN_CALLBACK(c->fn_id, REMOTE_PTR_ARG(f), c->arg);
}

static uint64_t do_new(remote_args *a) { return REMOTE_PTR_ARG(pool_new((size_t)a->arg[0])); }

/* args: pool, the test's fn (NO_FN: NULL), its argument. */
static uint64_t do_submit(remote_args *a)
{
    if (a->arg[1] == NO_FN)
        return REMOTE_PTR_ARG(pool_submit(REMOTE_AS_PTR(a->arg[0]), NULL, REMOTE_AS_PTR(a->arg[2])));
    carried *c = carry(1);
    c->fn_id = a->arg[1];
    c->arg = a->arg[2];
    return REMOTE_PTR_ARG(pool_submit(REMOTE_AS_PTR(a->arg[0]), task_stand_in, c));
}

static uint64_t do_result(remote_args *a) { return REMOTE_PTR_ARG(future_result(REMOTE_AS_PTR(a->arg[0]))); }
static uint64_t do_done(remote_args *a) { return future_done(REMOTE_AS_PTR(a->arg[0])); }

/* args: future, the test's cb (NO_FN: NULL), its ctx. */
static uint64_t do_on_done(remote_args *a)
{
    future_t *f = REMOTE_AS_PTR(a->arg[0]);
    if (a->arg[1] == NO_FN) {
        future_on_done(f, NULL, REMOTE_AS_PTR(a->arg[2]));
        return 0;
    }
    carried *c = carry(1);
    c->fn_id = a->arg[1];
    c->arg = a->arg[2];
    future_on_done(f, cb_stand_in, c);
    return 0;
}

static uint64_t do_future_free(remote_args *a)
{
    future_free(REMOTE_AS_PTR(a->arg[0]));
    return 0;
}

/* args: pool, the test's fn (NO_FN: NULL), n, args given, results given;
 * in: args[]; out: results[]. */
static uint64_t do_map(remote_args *a)
{
    size_t n = (size_t)a->arg[2];
    if (n > MAX_MAP || a->in_len != n * sizeof(uint64_t) || a->out_cap < n * sizeof(uint64_t))
        abort(); /* the judge never sends this */
    void **args = calloc(n + 1, sizeof *args), **results = calloc(n + 1, sizeof *results);
    if (!args || !results)
        abort();
    carried *c = n ? carry(n) : NULL;
    for (size_t i = 0; i < n; i++) {
        uint64_t v;
        memcpy(&v, a->in + i * sizeof v, sizeof v);
        c[i] = (carried){ a->arg[1], v };
        args[i] = &c[i];
    }
    int rc = pool_map(REMOTE_AS_PTR(a->arg[0]), a->arg[1] == NO_FN ? NULL : task_stand_in,
                      a->arg[3] ? args : NULL, a->arg[4] ? results : NULL, n);
    for (size_t i = 0; i < n; i++) {
        uint64_t v = REMOTE_PTR_ARG(results[i]);
        memcpy(a->out + i * sizeof v, &v, sizeof v);
    }
    a->out_len = n * sizeof(uint64_t);
    free(args);
    free(results);
    return (uint64_t)(int64_t)rc;
}

static uint64_t do_shutdown(remote_args *a)
{
    pool_shutdown(REMOTE_AS_PTR(a->arg[0]), a->arg[1] != 0);
    return 0;
}

static uint64_t do_free(remote_args *a)
{
    pool_free(REMOTE_AS_PTR(a->arg[0]));
    return 0;
}

REMOTE_FUNCTIONS(do_new, do_submit, do_result, do_done, do_on_done, do_future_free, do_map,
                 do_shutdown, do_free);
/* The pool's workers outlive the calls that start them (up front in
 * pool_new, or on demand in pool_submit or pool_map): pool_free joins them. */
REMOTE_LEAVES({ F_NEW, REMOTE_LEAVES_THREADS }, { F_SUBMIT, REMOTE_LEAVES_THREADS },
              { F_MAP, REMOTE_LEAVES_THREADS });
#endif
