/* coro.h - lesson 22: cooperative tasks on one thread (Python's asyncio,
 * Lua's coroutines, Go's goroutines before they met threads): each task has
 * a stack of its own, runs until it reaches a suspension point (a sleep, an
 * await), and then the scheduler switches to another task, on the same OS
 * thread. Nothing runs at the same time as anything else, so no lock is
 * needed.
 *
 *     static void *call_api(void *price)
 *     {
 *         coro_sleep(300);                        // other tasks run meanwhile
 *         return price;
 *     }
 *     static void *main_task(void *arg)
 *     {
 *         coro_t *goog = coro_spawn(call_api, "300");
 *         coro_t *appl = coro_spawn(call_api, "400");
 *         void *p;
 *         coro_await(goog, &p);                   // both done after 300 ms, not 600
 *         coro_await(appl, &p);
 *         return NULL;
 *     }
 *     coro_run(main_task, NULL);
 *
 * The suspension points are coro_sleep, coro_await, coro_wait_for,
 * coro_wait_for_shielded and coro_gather: a task runs without interruption
 * from one to the next. A task may use up to 64 KiB of stack.
 *
 * The grader reads the lesson's API from this header: the functions declared
 * here are the only globals a student's file may define.
 */
#ifndef CORO_H
#define CORO_H

#include <stddef.h>

typedef struct coro coro_t;

/* Runs main_fn(arg) as the first task, and every task spawned from then on,
 * all on the calling thread (no other thread, no other process), until
 * main_fn returns. Then the tasks still pending are cancelled (they never
 * run again) and freed, and coro_run returns; main_fn's result is
 * discarded. Handles stay valid until coro_run returns. The only call made
 * outside a task. */
void coro_run(void *(*main_fn)(void *), void *arg);

/* A new task that will run fn(arg) on its own stack, on coro_run's thread,
 * once the calling task reaches a suspension point; NULL when out of
 * memory. The task's result is what fn returns. */
coro_t *coro_spawn(void *(*fn)(void *), void *arg);

/* Suspends the calling task for ms milliseconds (CLOCK_MONOTONIC), no
 * less; the other tasks run meanwhile. Never blocks the thread while
 * another task could run: three tasks that each sleep 100 ms are all done
 * 100 ms after they started. */
void coro_sleep(unsigned ms);

/* Waits until task t has finished. Returns 0 with its result in *result
 * (when result is not NULL), or ECANCELED when t was cancelled (*result is
 * then left alone). Returns at once when t has already finished. */
int coro_await(coro_t *t, void **result);

/* Cancels task t: it stops at its next suspension point (if it is
 * suspended now, it stops there) and never runs again; every task awaiting
 * it returns ECANCELED. Cancelling a task does not cancel what it awaits:
 * a task that t was awaiting goes on. Cancelling a finished task does
 * nothing. */
void coro_cancel(coro_t *t);

/* coro_await with a time limit: when t has not finished within ms
 * milliseconds, cancels t (as coro_cancel) and returns ETIMEDOUT. Else as
 * coro_await: 0 and the result, or ECANCELED. Asyncio's
 * wait_for(task, timeout). */
int coro_wait_for(coro_t *t, unsigned ms, void **result);

/* The same, but t is shielded: on time out it returns ETIMEDOUT and t goes
 * on (it can be awaited again). Asyncio's wait_for(shield(task), timeout). */
int coro_wait_for_shielded(coro_t *t, unsigned ms, void **result);

/* Waits until each of the n tasks ts[0..n-1] has finished, then stores
 * task i's result in results[i] and what awaiting it returned (0 or
 * ECANCELED) in errors[i], by index, whatever order they finished in.
 * Returns 0, or the first nonzero errors[i] by index. Cancels nothing.
 * Asyncio's gather(..., return_exceptions=True). */
int coro_gather(coro_t *const ts[], size_t n, void *results[], int errors[]);

#endif
