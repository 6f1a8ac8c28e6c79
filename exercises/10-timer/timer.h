/* timer.h - lesson 10: delayed calls that can be cancelled (Python's
 * threading.Timer).
 *
 *     ctimer_t *t = ctimer_start(3000, hello, NULL);   // hello(NULL) in 3 s
 *     ...
 *     if (ctimer_cancel(t))                           // changed our mind
 *         puts("hello will never run");
 *     ctimer_free(t);
 *
 * The grader reads the lesson's API from this header: the functions declared
 * here are the only globals a student's file may define.
 */
#ifndef TIMER_H
#define TIMER_H

#include <stdbool.h>

typedef struct ctimer ctimer_t;

/* Starts a timer: fn(arg) will be called once, delay_ms milliseconds from
 * now (measured on CLOCK_MONOTONIC; no earlier, and as soon after as the
 * system allows), on a thread of its own, never on the caller's thread.
 * Returns at once. Returns NULL when fn is NULL or when the timer cannot be
 * made (out of memory, no thread). */
ctimer_t *ctimer_start(unsigned delay_ms, void (*fn)(void *), void *arg);

/* Cancels the timer. Returns true only if fn has not started and now never
 * will; false once fn has started, even while it still runs (fn then runs
 * to its end, exactly once). Returns at once, however long the delay: it
 * never waits for the delay to run out, nor for a running fn. May be called
 * from another thread just as the timer fires: then either fn never runs
 * and it returns true, or fn runs once and it returns false. */
bool ctimer_cancel(ctimer_t *t);

/* Frees the timer. On a pending timer it cancels it first (fn never runs);
 * on a timer whose fn is running it waits for fn to return. Returns at once
 * otherwise. When it returns, fn is not running and the timer's thread has
 * been joined. The timer may not be used afterwards. */
void ctimer_free(ctimer_t *t);

#endif
