/* test_support.h - lesson 22's test helpers, shared by the public tests,
 * the grader's hidden tests and test_remote.c.
 *
 * The tasks your scheduler runs belong to the tests, and run in your
 * process: each test writes a small script per task ("sleep 100 ms, then
 * return 7"; "spawn task 3 running script 1, await it"), test_remote.c
 * sends the scripts to your process, runs coro_run there with a main task
 * that plays script 0, and every task records what it did and when (the
 * virtual clock: exact) in a log the test reads back and checks. Tests
 * only; nothing here is part of the lesson's API. The helpers every lesson
 * may use are in grader/harness/harness.h.
 */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include "coro.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- scripts ------------------------------------------------------------------ */

#define SCRIPTS 8   /* script 0 is the main task's */
#define STEPS 24
#define SLOTS 128   /* task ids: 0 is the main task, 1.. the spawned ones */

enum {
    OP_END,           /* return (void *)id */
    OP_SLEEP,         /* coro_sleep(ms + value * id) */
    OP_SPAWN,         /* tasks slot .. slot+n-1 = coro_spawn(script `value`) */
    OP_AWAIT,         /* coro_await(slot) */
    OP_WAIT_FOR,      /* coro_wait_for(slot, ms) */
    OP_WAIT_SHIELDED, /* coro_wait_for_shielded(slot, ms) */
    OP_CANCEL,        /* coro_cancel(slot) */
    OP_GATHER,        /* coro_gather(tasks slot .. slot+n-1) */
    OP_RETURN,        /* return (void *)(value + id) */
    OP_RECURSE,       /* uses about ms KiB of the task's stack */
    /* log entries only */
    OP_START,         /* the task's first instruction */
    OP_GATHER_ITEM,   /* one of a gather's results: slot, rc (errors[i]), value (results[i]) */
    OP_KINDS
};

typedef struct coro_step {
    uint8_t op, slot, n, pad;
    uint32_t ms;
    int64_t value;
} coro_step;

#define SLEEP(ms_) { OP_SLEEP, 0, 0, 0, ms_, 0 }
#define SLEEP_BY_ID(ms_, per_id) { OP_SLEEP, 0, 0, 0, ms_, per_id }
#define SPAWN(slot_, script) { OP_SPAWN, slot_, 1, 0, 0, script }
#define SPAWN_N(slot_, n_, script) { OP_SPAWN, slot_, n_, 0, 0, script }
#define AWAIT(slot_) { OP_AWAIT, slot_, 0, 0, 0, 0 }
#define WAIT_FOR(slot_, ms_) { OP_WAIT_FOR, slot_, 0, 0, ms_, 0 }
#define WAIT_SHIELDED(slot_, ms_) { OP_WAIT_SHIELDED, slot_, 0, 0, ms_, 0 }
#define CANCEL(slot_) { OP_CANCEL, slot_, 0, 0, 0, 0 }
#define GATHER(slot_, n_) { OP_GATHER, slot_, n_, 0, 0, 0 }
#define RETURN(v) { OP_RETURN, 0, 0, 0, 0, v }
#define RECURSE(kib) { OP_RECURSE, 0, 0, 0, kib, 0 }

typedef struct scenario {
    coro_step script[SCRIPTS][STEPS];
} scenario;

/* What one task did: task id, the step, its result, when (virtual ms
 * since coro_run was called, in microseconds) and on which kernel thread. */
typedef struct log_entry {
    uint8_t task, op, slot, pc;
    int32_t rc;
    int64_t value;
    uint64_t t_us;
    int32_t tid, pad;
} log_entry;

#define LOG_MAX 1900
typedef struct run_log {
    uint32_t n;            /* entries recorded (more than LOG_MAX: the rest dropped) */
    uint32_t late;         /* entries recorded outside coro_run */
    int32_t runner_tid;    /* the kernel thread that called coro_run */
    uint32_t forks;        /* your code's forks during coro_run */
    int64_t bytes_before;  /* malloc'd bytes in use before coro_run and after it */
    int64_t bytes_after;
    uint64_t end_us;       /* when coro_run returned */
    log_entry e[LOG_MAX];
} run_log;

#define NO_RESULT (-1)

#ifndef REMOTE_SUBJECT
#include "harness.h"

#include <errno.h>
#include <stdio.h>

/* Runs the scenario in your process: coro_run with script 0 as the main
 * task; the log comes back in *out. */
void scenario_run(const scenario *s, run_log *out);

static inline const char *op_name(int op)
{
    static const char *const names[OP_KINDS] = {
        "return", "coro_sleep", "coro_spawn", "coro_await", "coro_wait_for",
        "coro_wait_for_shielded", "coro_cancel", "coro_gather", "return", "recursion",
        "start", "coro_gather's result" };
    return op >= 0 && op < OP_KINDS ? names[op] : "?";
}

static inline const char *rc_name(int rc)
{
    static char buf[16];
    switch (rc) {
    case 0: return "0";
    case ECANCELED: return "ECANCELED";
    case ETIMEDOUT: return "ETIMEDOUT";
    default: snprintf(buf, sizeof buf, "%d", rc); return buf;
    }
}

/* The nth (from 0) entry of task `task` with this op; NULL when none. */
static inline const log_entry *log_find(const run_log *L, int task, int op, int nth)
{
    uint32_t n = L->n < LOG_MAX ? L->n : LOG_MAX;
    for (uint32_t i = 0; i < n; i++)
        if (L->e[i].task == task && L->e[i].op == op && nth-- == 0)
            return &L->e[i];
    return NULL;
}

static inline double at_ms(const log_entry *e) { return (double)e->t_us / 1000.0; }

/* "the main task" or "task 3". */
static inline const char *task_name(int task)
{
    static char buf[2][24];
    static int k;
    if (task == 0)
        return "the main task";
    k ^= 1;
    snprintf(buf[k], sizeof buf[k], "task %d", task);
    return buf[k];
}

/* Task `task`'s nth call of `op` returned, at `ms` (virtual time: exact
 * up to 1 ms) with `rc`; `why` says what the test set up. */
static inline const log_entry *expect_call(const run_log *L, int task, int op, int nth, int rc,
                                           double ms, const char *why)
{
    const log_entry *e = log_find(L, task, op, nth);
    HARNESS_CHECK(e != NULL, "%s; but %s's %s never returned (coro_run returned at %.0f ms)",
                  why, task_name(task), op_name(op), (double)L->end_us / 1000.0);
    HARNESS_CHECK(e->rc == rc, "%s; %s's %s returned %s, expected %s", why, task_name(task),
                  op_name(op), rc_name(e->rc), rc_name(rc));
    HARNESS_CHECK(at_ms(e) >= ms - 0.5, "%s; %s's %s returned at %.1f ms, expected %.0f ms: "
                  "too early", why, task_name(task), op_name(op), at_ms(e), ms);
    HARNESS_CHECK(at_ms(e) <= ms + 1.0, "%s; %s's %s returned at %.1f ms, expected %.0f ms "
                  "(time is virtual here: exact)", why, task_name(task), op_name(op), at_ms(e),
                  ms);
    return e;
}

/* Task `task` never recorded `op` (nth from 0): it was cancelled before. */
static inline void expect_never(const run_log *L, int task, int op, int nth, const char *why)
{
    const log_entry *e = log_find(L, task, op, nth);
    HARNESS_CHECK(e == NULL, "%s; yet %s went on after its suspension point: its %s "
                  "returned at %.1f ms. A cancelled task stops at its next suspension point "
                  "and never runs again", why, task_name(task), op_name(op), e ? at_ms(e) : 0.0);
}

/* Every task ran on coro_run's thread, your code started no thread and
 * forked no process, and nothing ran after coro_run returned. */
static inline void one_thread_ok(const run_log *L, const char *while_)
{
    int n = harness_threads_created();
    HARNESS_CHECK(n == 0, "%s, your code created %d thread%s: every task runs on the one "
                  "thread that called coro_run (switch stacks with swapcontext instead)",
                  while_, n, n == 1 ? "" : "s");
    HARNESS_CHECK(L->forks == 0, "%s, your code forked %u process%s: every task runs on the "
                  "one thread that called coro_run", while_, L->forks, L->forks == 1 ? "" : "es");
    uint32_t k = L->n < LOG_MAX ? L->n : LOG_MAX;
    for (uint32_t i = 0; i < k; i++)
        HARNESS_CHECK(L->e[i].tid == L->runner_tid, "%s, %s ran on another thread than the "
                      "one in coro_run: every task runs on coro_run's thread", while_,
                      task_name(L->e[i].task));
    HARNESS_CHECK(L->late == 0, "%s, %u step%s of the tests' tasks ran after coro_run had "
                  "returned (or before it was called): tasks run inside coro_run only",
                  while_, L->late, L->late == 1 ? "" : "s");
    HARNESS_CHECK(L->n <= LOG_MAX, "%s, the tasks recorded %u steps, more than the test's "
                  "scripts can make: a task ran more often than it was resumed?", while_, L->n);
}

/* coro_run gave back what it allocated: at most LEAK_SLACK bytes more in
 * use than before it (malloc's per-thread cache keeps some freed chunks
 * counted as in use; every pending task holds at least its saved context,
 * about 1 KiB, and the tests leave 20 or more pending). */
#define LEAK_SLACK 4096
static inline void freed_ok(const run_log *L, const char *why)
{
    int64_t kept = L->bytes_after - L->bytes_before;
    HARNESS_CHECK(kept < LEAK_SLACK, "%s; coro_run returned with %lld bytes more allocated than "
                  "when it was called: tasks still pending when the main task returns are "
                  "cancelled and freed (their stacks and contexts too), and so is every "
                  "finished task", why, (long long)kept);
}

/* coro_run returned at `ms` (virtual). */
static inline void returned_at(const run_log *L, double ms, const char *why)
{
    double end = (double)L->end_us / 1000.0;
    HARNESS_CHECK(end >= ms - 0.5 && end <= ms + 1.0, "%s; coro_run returned at %.1f ms, "
                  "expected %.0f ms: it returns as soon as the main task returns", why, end, ms);
}
#endif

#endif
