/* A correct alternative in another style: no run queue, no sleepers list,
 * no awaiter lists. The scheduler keeps one list of every task and, each
 * turn, scans it: a sleeper whose time has come, or a waiter whose task
 * has finished (or whose limit has passed), becomes ready, stamped with
 * (when it became ready, a counter); the ready task with the smallest
 * stamp runs next. When none is ready it sleeps until the earliest
 * deadline of the list. Slower (each turn is O(tasks)), simpler to get
 * right: nothing to unlink on cancel. */
#include "coro.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <ucontext.h>

#define STACK_BYTES (192u << 10)
#define NEVER UINT64_MAX

enum { READY, RUNNING, SLEEPING, WAITING, DONE, CANCELLED };

struct coro {
    ucontext_t ctx;
    void *(*fn)(void *);
    void *arg, *result;
    int state;
    bool stop_asked, timed_out;
    char *stack;
    uint64_t due;          /* SLEEPING, or WAITING with a limit; else NEVER */
    coro_t *awaits;        /* WAITING */
    uint64_t ready_at, ready_seq;
    coro_t *next;
};

static ucontext_t sched_ctx;
static coro_t *running, *all, **all_tail = &all;
static uint64_t seq;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool over(const coro_t *t) { return t->state == DONE || t->state == CANCELLED; }

static void set_ready(coro_t *t, uint64_t when)
{
    t->state = READY;
    t->ready_at = when;
    t->ready_seq = ++seq;
}

static void trampoline(void)
{
    coro_t *t = running;
    t->result = t->fn(t->arg);
    t->state = DONE;
}

static void stop_if_asked(void)
{
    if (running->stop_asked) {
        running->state = CANCELLED;
        setcontext(&sched_ctx);
    }
}

static void yield_to_scheduler(void)
{
    coro_t *t = running;
    swapcontext(&t->ctx, &sched_ctx);
}

/* One pass: who became ready; the earliest deadline still ahead. */
static uint64_t wake_up(uint64_t now)
{
    uint64_t next = NEVER;
    for (coro_t *t = all; t; t = t->next) {
        if (t->state == SLEEPING && t->due <= now) {
            set_ready(t, t->due);
        } else if (t->state == WAITING && over(t->awaits)) {
            set_ready(t, now);
        } else if (t->state == WAITING && t->due <= now) {
            t->timed_out = true;
            set_ready(t, t->due);
        } else if ((t->state == SLEEPING || t->state == WAITING) && t->due < next) {
            next = t->due;
        }
    }
    return next;
}

static coro_t *pick(void)
{
    coro_t *best = NULL;
    for (coro_t *t = all; t; t = t->next)
        if (t->state == READY && (!best || t->ready_at < best->ready_at ||
                                  (t->ready_at == best->ready_at && t->ready_seq < best->ready_seq)))
            best = t;
    return best;
}

void coro_run(void *(*main_fn)(void *), void *arg)
{
    coro_t *main_task = coro_spawn(main_fn, arg);
    while (main_task && !over(main_task)) {
        uint64_t next = wake_up(now_ns());
        coro_t *t = pick();
        if (t) {
            t->state = RUNNING;
            running = t;
            swapcontext(&sched_ctx, &t->ctx);
            running = NULL;
            if (over(t)) {
                free(t->stack);
                t->stack = NULL;
            }
        } else if (next != NEVER) {
            struct timespec ts = { (time_t)(next / 1000000000u), (long)(next % 1000000000u) };
            while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
                ;
        } else {
            break;
        }
    }
    while (all) {
        coro_t *t = all;
        all = t->next;
        free(t->stack);
        free(t);
    }
    all_tail = &all;
    running = NULL;
}

coro_t *coro_spawn(void *(*fn)(void *), void *arg)
{
    coro_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->stack = malloc(STACK_BYTES);
    if (!t->stack || getcontext(&t->ctx) != 0) {
        free(t->stack);
        free(t);
        return NULL;
    }
    t->ctx.uc_stack.ss_sp = t->stack;
    t->ctx.uc_stack.ss_size = STACK_BYTES;
    t->ctx.uc_link = &sched_ctx;
    makecontext(&t->ctx, trampoline, 0);
    t->fn = fn;
    t->arg = arg;
    t->due = NEVER;
    set_ready(t, now_ns());
    *all_tail = t;
    all_tail = &t->next;
    return t;
}

void coro_sleep(unsigned ms)
{
    stop_if_asked();
    running->due = now_ns() + (uint64_t)ms * 1000000u;
    running->state = SLEEPING;
    yield_to_scheduler();
    running->due = NEVER;
}

static int wait_on(coro_t *t, uint64_t limit_ns, bool shield, void **result)
{
    stop_if_asked();
    coro_t *me = running;
    if (!over(t)) {
        me->awaits = t;
        me->due = limit_ns == NEVER ? NEVER : now_ns() + limit_ns;
        me->timed_out = false;
        me->state = WAITING;
        yield_to_scheduler();
        me->awaits = NULL;
        me->due = NEVER;
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

int coro_await(coro_t *t, void **result) { return wait_on(t, NEVER, false, result); }

int coro_wait_for(coro_t *t, unsigned ms, void **result)
{
    return wait_on(t, (uint64_t)ms * 1000000u, false, result);
}

int coro_wait_for_shielded(coro_t *t, unsigned ms, void **result)
{
    return wait_on(t, (uint64_t)ms * 1000000u, true, result);
}

void coro_cancel(coro_t *t)
{
    if (over(t))
        return;
    if (t == running) {
        t->stop_asked = true;
        return;
    }
    /* Its awaiters see it over on the next scan; what it awaited is untouched. */
    t->state = CANCELLED;
    free(t->stack);
    t->stack = NULL;
}

int coro_gather(coro_t *const ts[], size_t n, void *results[], int errors[])
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        errors[i] = coro_await(ts[i], &results[i]);
        if (rc == 0)
            rc = errors[i];
    }
    return rc;
}
