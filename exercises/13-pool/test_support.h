/* test_support.h - lesson 13's test helpers, shared by the public tests and
 * the grader's hidden tests: probes for tasks (the fn every task of the
 * tests runs, which records how often, on which thread and when it ran, and
 * how many tasks were running at once) and for callbacks (which also check,
 * from inside, that the future is done and gives its value). Tests only;
 * nothing here is part of the lesson's API. The helpers every lesson may
 * use are in grader/harness/harness.h.
 *
 * Most tests run in virtual time (harness.h): a task "works" by sleeping
 * (harness_sleep_ms, a virtual sleep of the worker) and the clock moves only
 * once every thread is blocked, so every task that can start at an instant
 * has started before time moves on: the count of tasks running at once, and
 * every time measured, is exact, whatever the machine's load. */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include "harness.h"
#include "pool.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>

/* ---- task probes --------------------------------------------------------------- */

#define TASKS 2048
#define TASK_ARG_BASE 0x100000u

typedef struct task_probe {
    atomic_int calls;        /* how many times fn ran */
    atomic_int thread;       /* harness_thread_id() of its first run */
    _Atomic double start_ms; /* harness_now_ms() when it first started, -1: never */
    _Atomic double end_ms;   /* ...and when it returned */
    int submitter;           /* harness_thread_id() of the thread that submitted it */
    double nap_ms;           /* > 0: the task sleeps this long (virtual time: a virtual sleep) */
} task_probe;

static task_probe tasks[TASKS];
static atomic_int task_bad_args; /* fn called with an argument no task was given */
static atomic_int running, max_running;

static inline void *task_arg(int i) { return (void *)(uintptr_t)(TASK_ARG_BASE + (unsigned)i); }
/* What task i returns: distinct for every task, never NULL. */
static inline void *task_value(int i) { return (void *)(uintptr_t)(0x5000000u + 16u * (unsigned)i + 8u); }

static inline void *task_fn(void *arg)
{
    uintptr_t v = (uintptr_t)arg;
    if (v < TASK_ARG_BASE || v >= TASK_ARG_BASE + TASKS) {
        atomic_fetch_add(&task_bad_args, 1);
        return NULL;
    }
    int i = (int)(v - TASK_ARG_BASE);
    task_probe *t = &tasks[i];
    if (atomic_fetch_add(&t->calls, 1) == 0) {
        atomic_store(&t->thread, harness_thread_id());
        atomic_store(&t->start_ms, harness_now_ms());
    }
    int now = atomic_fetch_add(&running, 1) + 1;
    int max = atomic_load(&max_running);
    while (now > max && !atomic_compare_exchange_weak(&max_running, &max, now))
        ;
    harness_trace("start", i);
    if (t->nap_ms > 0)
        harness_sleep_ms(t->nap_ms);
    atomic_fetch_sub(&running, 1);
    atomic_store(&t->end_ms, harness_now_ms());
    return task_value(i);
}

/* Readies task i: it will sleep nap_ms, submitted from the calling thread. */
static inline void task_reset(int i, double nap_ms)
{
    task_probe *t = &tasks[i];
    atomic_store(&t->calls, 0);
    atomic_store(&t->thread, 0);
    atomic_store(&t->start_ms, -1.0);
    atomic_store(&t->end_ms, -1.0);
    t->submitter = harness_thread_id();
    t->nap_ms = nap_ms;
}

/* pool_submit(p, task_fn, task_arg(i)) with task i readied. */
static inline future_t *submit_task(pool_t *p, int i, double nap_ms)
{
    task_reset(i, nap_ms);
    return pool_submit(p, task_fn, task_arg(i));
}

/* The checks every run of task i must pass: its argument, once, its thread. */
static inline void check_task_runs(int i, const char *what)
{
    task_probe *t = &tasks[i];
    HARNESS_CHECK(atomic_load(&task_bad_args) == 0, "%s: fn was called with an argument that "
                  "is not the arg given to pool_submit or pool_map: call fn(arg) with the arg "
                  "of the task", what);
    int calls = atomic_load(&t->calls);
    HARNESS_CHECK(calls <= 1, "%s: task %d ran %d times; every task runs exactly once", what, i,
                  calls);
    HARNESS_CHECK(calls == 0 || atomic_load(&t->thread) != t->submitter, "%s: task %d ran on "
                  "the thread that submitted it: tasks run on the pool's workers, never on the "
                  "caller's thread", what, i);
}

/* Tasks first..first+n-1 each ran exactly once, on a worker. */
static inline void check_tasks_ran(int first, int n, const char *what)
{
    for (int i = first; i < first + n; i++) {
        check_task_runs(i, what);
        HARNESS_CHECK(atomic_load(&tasks[i].calls) == 1, "%s: task %d never ran", what, i);
    }
}

/* No more than `workers` tasks at once, on no more than `workers` threads. */
static inline void check_limits(size_t workers, const char *what)
{
    int max = atomic_load(&max_running);
    HARNESS_CHECK(max <= (int)workers, "%s: %d tasks ran at the same time in a pool of %zu "
                  "workers: at most %zu may run at once (extra tasks wait in the queue)", what,
                  max, workers, workers);
    int made = harness_threads_created();
    HARNESS_CHECK(made <= (int)workers, "%s: the pool of %zu workers created %d threads: it may "
                  "create at most %zu in all, each running one task after another (never a "
                  "thread per task)", what, workers, made, workers);
}

/* After pool_free: every thread the pool started was joined. */
static inline void check_all_joined(const char *what)
{
    int unjoined = harness_unjoined_threads();
    HARNESS_CHECK(unjoined == 0, "%s: after pool_free, %d worker thread%s had not been "
                  "joined: pool_free must pthread_join every worker (never detach them)",
                  what, unjoined, unjoined == 1 ? "" : "s");
}

/* future_result of task i's future gives its value. */
static inline void check_result(future_t *f, int i, const char *what)
{
    void *r = future_result(f);
    HARNESS_CHECK(r == task_value(i), "%s: future_result gave %p, not the value task %d "
                  "returned (%p)%s", what, r, i, task_value(i),
                  r == NULL && atomic_load(&tasks[i].calls) == 0
                      ? ": the task had not even run: future_result must wait until it is done"
                      : "");
}

/* ---- callback probes ------------------------------------------------------------ */

#define CBS 256
#define CB_CTX_BASE 0x200000u

typedef struct cb_probe {
    future_t *f;         /* the future it is registered on */
    int task;            /* the task of that future (its value is checked) */
    double nap_ms;       /* > 0: the callback sleeps this long, after its checks */
    atomic_int calls;
    atomic_int thread;   /* harness_thread_id() of its first run */
    _Atomic double at_ms;
    atomic_int wrong_future, not_done, wrong_result;
} cb_probe;

static cb_probe cbs[CBS];
static atomic_int cb_bad_ctx;

static inline void *cb_ctx(int j) { return (void *)(uintptr_t)(CB_CTX_BASE + (unsigned)j); }

/* Every callback checks, from inside, what the contract promises it: the
 * future it was registered on, done, whose future_result returns at once
 * with the task's value (seed 003's parse() calls res.result()). */
static inline void cb_fn(future_t *f, void *ctx)
{
    uintptr_t v = (uintptr_t)ctx;
    if (v < CB_CTX_BASE || v >= CB_CTX_BASE + CBS) {
        atomic_fetch_add(&cb_bad_ctx, 1);
        return;
    }
    cb_probe *c = &cbs[v - CB_CTX_BASE];
    if (atomic_fetch_add(&c->calls, 1) == 0) {
        atomic_store(&c->thread, harness_thread_id());
        atomic_store(&c->at_ms, harness_now_ms());
    }
    harness_trace("cb", (long)(v - CB_CTX_BASE));
    if (f != c->f) {
        atomic_fetch_add(&c->wrong_future, 1);
        return;
    }
    if (!future_done(f))
        atomic_fetch_add(&c->not_done, 1);
    if (future_result(f) != task_value(c->task))
        atomic_fetch_add(&c->wrong_result, 1);
    if (c->nap_ms > 0)
        harness_sleep_ms(c->nap_ms);
}

/* future_on_done(f, cb_fn, cb_ctx(j)), f being task `task`'s future. */
static inline void on_done(int j, future_t *f, int task, double nap_ms)
{
    cb_probe *c = &cbs[j];
    c->f = f;
    c->task = task;
    c->nap_ms = nap_ms;
    atomic_store(&c->calls, 0);
    atomic_store(&c->thread, 0);
    atomic_store(&c->at_ms, -1.0);
    atomic_store(&c->wrong_future, 0);
    atomic_store(&c->not_done, 0);
    atomic_store(&c->wrong_result, 0);
    future_on_done(f, cb_fn, cb_ctx(j));
}

/* Callback j ran exactly once, and what it saw inside was right. */
static inline void check_cb_ran(int j, const char *what)
{
    cb_probe *c = &cbs[j];
    HARNESS_CHECK(atomic_load(&cb_bad_ctx) == 0, "%s: a callback was called with a ctx that "
                  "is not the one given to future_on_done", what);
    int calls = atomic_load(&c->calls);
    HARNESS_CHECK(calls == 1, "%s: callback %d ran %d times: each callback runs exactly once",
                  what, j, calls);
    HARNESS_CHECK(atomic_load(&c->wrong_future) == 0, "%s: callback %d was given another "
                  "future than the one it was registered on: call cb(f, ctx) with that f",
                  what, j);
    HARNESS_CHECK(atomic_load(&c->not_done) == 0, "%s: inside callback %d, future_done(f) was "
                  "false: mark the future done (and store its value) before running its "
                  "callbacks", what, j);
    HARNESS_CHECK(atomic_load(&c->wrong_result) == 0, "%s: inside callback %d, future_result(f) "
                  "did not give the task's value", what, j);
}

/* ---- calls on helper threads ------------------------------------------------------ */

/* future_result on a helper thread, so that several threads can wait at once. */
typedef struct waiter {
    future_t *f;
    void *result;
    double at_ms;
    pthread_t thread;
} waiter;

static inline void *waiter_body(void *arg)
{
    waiter *w = arg;
    w->result = future_result(w->f);
    w->at_ms = harness_now_ms();
    return NULL;
}

static inline void waiter_start(waiter *w, future_t *f)
{
    *w = (waiter){ .f = f, .at_ms = -1 };
    harness_thread_start(&w->thread, waiter_body, w);
}

#endif
