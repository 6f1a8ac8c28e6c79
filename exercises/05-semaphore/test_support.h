/* test_support.h - lesson 05's test helpers, shared by the public tests and
 * the grader's hidden tests: waiting threads, and a task for run_limited
 * that counts how many tasks are inside at once. Tests only; nothing here is
 * part of the lesson's API. The helpers every lesson may use are in
 * grader/harness/harness.h.
 *
 * How the limit is checked: under virtual time (harness.h) a task holds its
 * thread in a virtual sleep, and the clock moves only when every thread of
 * the student's process is blocked. So before any task leaves, every thread
 * that could get in has got in: the most tasks seen inside at once is
 * exactly what the code allows, every run, whatever the machine's load. */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include "harness.h"
#include "semaphore.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

/* ---- one waiting thread --------------------------------------------------- */

/* csem_acquire (timed == false) or csem_acquire_timeout(ms). */
typedef struct waiter {
    csem_t *s;
    bool timed;
    unsigned ms;
    atomic_int tid;
    atomic_bool done;
    bool result;
    double took_ms;
    pthread_t thread;
} waiter;

static void *wait_body(void *p)
{
    waiter *w = p;
    atomic_store(&w->tid, harness_gettid());
    double t0 = harness_now_ms();
    if (w->timed) {
        w->result = csem_acquire_timeout(w->s, w->ms);
    } else {
        csem_acquire(w->s);
        w->result = true;
    }
    w->took_ms = harness_now_ms() - t0;
    atomic_store(&w->done, true);
    return NULL;
}

static inline void start_waiter(waiter *w, csem_t *s, bool timed, unsigned ms)
{
    *w = (waiter){ .s = s, .timed = timed, .ms = ms };
    harness_thread_start(&w->thread, wait_body, w);
}

/* How many of the n waiters have returned. */
static inline int returned(waiter *w, int n)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += atomic_load(&w[i].done);
    return k;
}

/* Fails the test unless waiter w, which has no permit to take, is asleep
 * inside its call for 100 ms in a row within 3 s (checked in real time,
 * without moving a virtual clock). `call` names the call it makes. */
static inline void check_waiter_asleep(waiter *w, const char *call)
{
    int tid = 0;
    for (int i = 0; i < 3000 && !(tid = atomic_load(&w->tid)); i++) {
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    }
    bool asleep = tid && harness_wait_asleep(&tid, 1, 100, 3000);
    HARNESS_CHECK(!atomic_load(&w->done), "%s on an empty semaphore returned %s although no "
                  "permit was released", call, w->result ? "(with a permit)" : "false at once");
    HARNESS_CHECK(asleep, "%s on an empty semaphore did not go to sleep within 3 s: it keeps "
                  "running. Waiting for a permit must block in a condition wait, not loop "
                  "(busy waiting burns a CPU)", call);
}

/* ---- run_limited's task ---------------------------------------------------- */

#define MAX_TASKS 512

/* What the tasks of one run_limited call saw. */
static struct {
    size_t n;                  /* tasks expected: indices 0..n-1 */
    atomic_int caller;         /* harness_thread_id() of run_limited's caller */
    atomic_int inside, most;   /* tasks running now, most at once */
    atomic_int calls[MAX_TASKS];
    atomic_int thread[MAX_TASKS];
    atomic_long bad_index;     /* an index >= n (-1: none) */
    atomic_bool on_caller;
    double hold_ms[3];         /* task i holds its thread hold_ms[i % 3] */
} tasks;

static inline void task(size_t i)
{
    int now = atomic_fetch_add(&tasks.inside, 1) + 1;
    int most = atomic_load(&tasks.most);
    while (now > most && !atomic_compare_exchange_weak(&tasks.most, &most, now))
        ;
    int me = harness_thread_id();
    if (me == atomic_load(&tasks.caller))
        atomic_store(&tasks.on_caller, true);
    if (i < tasks.n && i < MAX_TASKS) {
        atomic_fetch_add(&tasks.calls[i], 1);
        atomic_store(&tasks.thread[i], me);
    } else {
        atomic_store(&tasks.bad_index, (long)i);
    }
    double hold = tasks.hold_ms[i % 3];
    if (hold > 0)
        harness_sleep_ms(hold);
    atomic_fetch_sub(&tasks.inside, 1);
}

/* Forgets the last run; the next tasks hold their threads a, b, c ms
 * (by index mod 3; virtual ms under virtual time). */
static inline void tasks_reset(size_t n, double a, double b, double c)
{
    tasks.n = n;
    atomic_store(&tasks.caller, harness_thread_id());
    atomic_store(&tasks.inside, 0);
    atomic_store(&tasks.most, 0);
    for (size_t i = 0; i < MAX_TASKS; i++) {
        atomic_store(&tasks.calls[i], 0);
        atomic_store(&tasks.thread[i], 0);
    }
    atomic_store(&tasks.bad_index, -1);
    atomic_store(&tasks.on_caller, false);
    tasks.hold_ms[0] = a;
    tasks.hold_ms[1] = b;
    tasks.hold_ms[2] = c;
}

/* Every task 0..n-1 ran exactly once, on a thread of its own that is not
 * the caller's. `what` names the call in the messages. */
static inline void check_tasks(const char *what)
{
    long bad = atomic_load(&tasks.bad_index);
    HARNESS_CHECK(bad < 0, "%s called task(%ld): the indices go from 0 to %zu", what, bad,
                  tasks.n - 1);
    HARNESS_CHECK(!atomic_load(&tasks.on_caller), "%s called a task on the thread that called "
                  "run_limited: every task needs a thread of its own", what);
    for (size_t i = 0; i < tasks.n; i++) {
        int c = atomic_load(&tasks.calls[i]);
        HARNESS_CHECK(c == 1, "%s called task(%zu) %d times, expected exactly once", what, i, c);
    }
    for (size_t i = 0; i < tasks.n; i++)
        for (size_t j = i + 1; j < tasks.n; j++)
            HARNESS_CHECK(atomic_load(&tasks.thread[i]) != atomic_load(&tasks.thread[j]),
                          "%s ran task(%zu) and task(%zu) on the same thread: every task "
                          "needs a thread of its own", what, i, j);
}

#endif
