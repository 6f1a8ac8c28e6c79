/* stop.h - lesson 11: stopping a worker early; daemon threads.
 *
 * A worker is a thread that calls step(arg) again and again, with a pause
 * of interval_ms between calls, until step says it is finished or someone
 * calls worker_stop. A daemon is a thread started and then left alone:
 * nobody waits for it.
 *
 * The grader reads the lesson's API from this header: the functions declared
 * here are the only globals a student's file may define.
 */
#ifndef STOP_H
#define STOP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct worker worker_t;

/* Calls step(arg) every interval_ms until step returns false or worker_stop.
 * Starts one new thread (the worker) and returns at once; step always runs
 * on that thread, never on the caller's. The first step runs at once; after
 * each step that returns true the worker waits interval_ms (a fixed delay,
 * counted from the end of that step) before the next. A step that returns
 * false ends the worker (it still counts as a step run).
 * Returns NULL if memory or the thread cannot be had (step is then never
 * called). */
worker_t *worker_start(bool (*step)(void *arg), void *arg, unsigned interval_ms);

/* Stops the worker after the current step, joins its thread, frees it and
 * returns how many step calls returned. A step that is running is never
 * interrupted: worker_stop waits for it to return and then no other step
 * starts. worker_stop returns within a few ms of that step's end (at once
 * if the worker is in its pause), even when interval_ms is hours. It may be
 * called after the worker ended by itself (a step returned false). Call it
 * exactly once per worker, from any thread but the worker's. */
size_t worker_stop(worker_t *w);

/* Runs fn(arg) on a new detached thread (a daemon) and returns at once,
 * without waiting for fn: 0, or the error pthread_create returned (fn then
 * never runs). The thread is detached by the time spawn_daemon returns
 * (create it detached, or pthread_detach it): nobody joins it, and the
 * system reclaims it when fn returns. */
int spawn_daemon(void (*fn)(void *), void *arg);

#endif
