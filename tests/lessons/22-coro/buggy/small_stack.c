/* BUG: 4 KiB stacks ("our tasks are small"): the header promises a task
 * 64 KiB; one that recurses 32 KiB deep writes far below its stack, over
 * the allocator's other blocks.
 * expect: functional */
#include "coro.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <ucontext.h>

#define STACK_SIZE 4096 /* "tasks are small" */

enum state { READY, RUNNING, SLEEPING, WAITING, DONE, CANCELLED };

struct coro {
    ucontext_t ctx;
    void *(*fn)(void *);
    void *arg, *result;
    enum state state;
    bool stop_asked;   /* cancelled while running: stops at its next suspension point */
    bool timed_out;    /* a timed wait's deadline woke it, not the task it awaited */
    char *stack;
    uint64_t due_ns;   /* in the sleepers list: when to wake */
    bool sleeping;     /* in the sleepers list */
    coro_t *awaits;    /* WAITING: the task it awaits */
    coro_t *waiters;   /* tasks awaiting this one (linked by next_waiter) */
    coro_t *next_waiter, *next_ready, *next_sleeper, *next_task;
};

static struct {
    ucontext_t sched;          /* coro_run's context */
    coro_t *current;           /* the running task, NULL in the scheduler */
    coro_t *ready, *ready_tail;
    coro_t *sleepers;
    coro_t *tasks;             /* every task of this run, to free at the end */
} S;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool finished(const coro_t *t) { return t->state == DONE || t->state == CANCELLED; }

/* ---- the lists -------------------------------------------------------------------- */

static void make_ready(coro_t *t)
{
    t->state = READY;
    t->next_ready = NULL;
    if (S.ready_tail)
        S.ready_tail->next_ready = t;
    else
        S.ready = t;
    S.ready_tail = t;
}

static void unready(coro_t *t)
{
    coro_t *prev = NULL;
    for (coro_t *p = S.ready; p; prev = p, p = p->next_ready) {
        if (p != t)
            continue;
        if (prev)
            prev->next_ready = p->next_ready;
        else
            S.ready = p->next_ready;
        if (S.ready_tail == t)
            S.ready_tail = prev;
        return;
    }
}

/* Into the sleepers, after every one due no later (ties stay in order). */
static void sleep_until(coro_t *t, uint64_t due)
{
    coro_t **p = &S.sleepers;
    while (*p && (*p)->due_ns <= due)
        p = &(*p)->next_sleeper;
    t->due_ns = due;
    t->next_sleeper = *p;
    *p = t;
    t->sleeping = true;
}

static void unsleep(coro_t *t)
{
    for (coro_t **p = &S.sleepers; *p; p = &(*p)->next_sleeper) {
        if (*p == t) {
            *p = t->next_sleeper;
            break;
        }
    }
    t->sleeping = false;
}

static void stop_awaiting(coro_t *t)
{
    if (!t->awaits)
        return;
    for (coro_t **p = &t->awaits->waiters; *p; p = &(*p)->next_waiter) {
        if (*p == t) {
            *p = t->next_waiter;
            break;
        }
    }
    t->awaits = NULL;
}

/* ---- finishing ------------------------------------------------------------------- */

/* t is done or cancelled: its awaiters become ready (their timers off). */
static void finish(coro_t *t, enum state how)
{
    t->state = how;
    while (t->waiters) {
        coro_t *w = t->waiters;
        t->waiters = w->next_waiter;
        w->awaits = NULL;
        if (w->sleeping)
            unsleep(w);
        make_ready(w);
    }
}

/* Called on t's own stack when it must stop: back to the scheduler for good. */
static void stop_here(coro_t *t)
{
    finish(t, CANCELLED);
    setcontext(&S.sched);
}

/* Every task starts here (S.current is the task), and returns to the
 * scheduler through uc_link. */
static void task_main(void)
{
    coro_t *t = S.current;
    t->result = t->fn(t->arg);
    finish(t, DONE);
}

/* Back to the scheduler until something makes the task ready again. */
static void suspend(void)
{
    coro_t *t = S.current;
    swapcontext(&t->ctx, &S.sched);
}

/* A suspension point's first step: a task cancelled while it ran stops. */
static void stop_if_cancelled(void)
{
    if (S.current->stop_asked)
        stop_here(S.current);
}

static coro_t *task_new(void *(*fn)(void *), void *arg)
{
    coro_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->stack = malloc(STACK_SIZE);
    if (!t->stack || getcontext(&t->ctx) != 0) {
        free(t->stack);
        free(t);
        return NULL;
    }
    t->ctx.uc_stack.ss_sp = t->stack;
    t->ctx.uc_stack.ss_size = STACK_SIZE;
    t->ctx.uc_link = &S.sched;
    makecontext(&t->ctx, task_main, 0);
    t->fn = fn;
    t->arg = arg;
    t->next_task = S.tasks;
    S.tasks = t;
    make_ready(t);
    return t;
}

/* ---- the API ---------------------------------------------------------------------- */

void coro_run(void *(*main_fn)(void *), void *arg)
{
    coro_t *main_task = task_new(main_fn, arg);
    while (main_task && !finished(main_task)) {
        /* Sleepers that are due join the run queue, in due order. */
        uint64_t now = now_ns();
        while (S.sleepers && S.sleepers->due_ns <= now) {
            coro_t *t = S.sleepers;
            unsleep(t);
            if (t->state == WAITING) { /* a timed wait ran out */
                stop_awaiting(t);
                t->timed_out = true;
            }
            make_ready(t);
        }
        if (S.ready) {
            coro_t *t = S.ready;
            S.ready = t->next_ready;
            if (!S.ready)
                S.ready_tail = NULL;
            t->state = RUNNING;
            S.current = t;
            swapcontext(&S.sched, &t->ctx);
            S.current = NULL;
            if (finished(t)) { /* off its stack now: free it */
                free(t->stack);
                t->stack = NULL;
            }
        } else if (S.sleepers) {
            uint64_t due = S.sleepers->due_ns;
            struct timespec ts = { (time_t)(due / 1000000000u), (long)(due % 1000000000u) };
            while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
                ;
        } else {
            break; /* every task waits for another: nothing can ever run */
        }
    }
    /* Pending tasks are cancelled (never resumed) and every task freed. */
    while (S.tasks) {
        coro_t *t = S.tasks;
        S.tasks = t->next_task;
        free(t->stack);
        free(t);
    }
    S.current = S.ready = S.ready_tail = S.sleepers = NULL;
}

coro_t *coro_spawn(void *(*fn)(void *), void *arg)
{
    return task_new(fn, arg);
}

void coro_sleep(unsigned ms)
{
    stop_if_cancelled();
    coro_t *t = S.current;
    sleep_until(t, now_ns() + (uint64_t)ms * 1000000u);
    t->state = SLEEPING;
    suspend();
}

/* coro_await, coro_wait_for and the shielded one: ms < 0 waits for good. */
static int wait_task(coro_t *t, long long ms, bool shield, void **result)
{
    stop_if_cancelled();
    coro_t *me = S.current;
    if (!finished(t)) {
        me->awaits = t;
        me->next_waiter = t->waiters;
        t->waiters = me;
        me->timed_out = false;
        if (ms >= 0)
            sleep_until(me, now_ns() + (uint64_t)ms * 1000000u);
        me->state = WAITING;
        suspend();
        if (me->timed_out) {
            if (!shield)
                coro_cancel(t);
            return ETIMEDOUT;
        }
    }
    if (t->state == CANCELLED)
        return ECANCELED;
    if (result)
        *result = t->result;
    return 0;
}

int coro_await(coro_t *t, void **result) { return wait_task(t, -1, false, result); }

int coro_wait_for(coro_t *t, unsigned ms, void **result)
{
    return wait_task(t, ms, false, result);
}

int coro_wait_for_shielded(coro_t *t, unsigned ms, void **result)
{
    return wait_task(t, ms, true, result);
}

void coro_cancel(coro_t *t)
{
    if (finished(t))
        return;
    if (t == S.current) {
        t->stop_asked = true;
        return;
    }
    /* Suspended (or ready but not running): it stops where it is. What it
     * awaited goes on; only t leaves that task's awaiters. */
    if (t->state == READY)
        unready(t);
    if (t->sleeping)
        unsleep(t);
    stop_awaiting(t);
    finish(t, CANCELLED);
    free(t->stack);
    t->stack = NULL;
}

int coro_gather(coro_t *const ts[], size_t n, void *results[], int errors[])
{
    int first = 0;
    for (size_t i = 0; i < n; i++) {
        errors[i] = coro_await(ts[i], &results[i]);
        if (errors[i] != 0 && first == 0)
            first = errors[i];
    }
    return first;
}
