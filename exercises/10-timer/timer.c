/* timer.c - lesson 10: your solution goes here.
 *
 * Read README.md first. Each function below is a stub: replace its body.
 * Helpers you add must be `static`.
 */
#include "timer.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct ctimer {
    void (*fn)(void *);
    void *arg;
    /* TODO: the timer's thread; a mutex and a condition variable; the
     * deadline; and a state that says whether fn will run, has started,
     * or was cancelled (read and written only with the mutex held). */
};

/* TODO: the timer's thread: wait on the condition variable until the
 * deadline (pthread_cond_timedwait, in a loop) or until a cancel; then, if
 * not cancelled, mark the timer as started and call fn(arg) without the
 * mutex held. */

ctimer_t *ctimer_start(unsigned delay_ms, void (*fn)(void *), void *arg)
{
    /* TODO: return NULL for a NULL fn. Compute the deadline once: now on
     * CLOCK_MONOTONIC plus delay_ms (careful: delay_ms * 1000000 does not fit
     * in 32 bits). Initialise the mutex and the condition variable (set its
     * clock to CLOCK_MONOTONIC: pthread_condattr_setclock), start the
     * thread, and return at once. */
    (void)delay_ms;
    (void)fn;
    (void)arg;
    return NULL;
}

bool ctimer_cancel(ctimer_t *t)
{
    /* TODO: under the mutex: if fn has not started, mark the timer as
     * cancelled and wake its thread. Return true if fn never runs, false if
     * it has started. Never wait for the delay or for fn here. */
    (void)t;
    return false;
}

void ctimer_free(ctimer_t *t)
{
    /* TODO: cancel the timer if it is still pending, join its thread (that
     * waits for fn if fn is running), then destroy and free what
     * ctimer_start made. */
    (void)t;
}
