/* event.c - lesson 06: your solution goes here.
 *
 * Read README.md first. Each function below is a stub: replace its body.
 * Helpers you add must be `static`.
 */
#include "event.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct event {
    bool set;
    /* TODO: add a mutex that guards `set` and a condition variable to wait on. */
};

event_t *event_new(void)
{
    /* TODO: allocate an event that is not set; initialise its mutex and its
     * condition variable (use CLOCK_MONOTONIC for it: pthread_condattr_setclock). */
    return NULL;
}

void event_free(event_t *e)
{
    /* TODO: destroy what event_new initialised and free the event. */
    (void)e;
}

void event_set(event_t *e)
{
    /* TODO: under the lock, set the flag and wake every waiter. */
    (void)e;
}

void event_clear(event_t *e)
{
    /* TODO: under the lock, clear the flag. */
    (void)e;
}

bool event_is_set(event_t *e)
{
    /* TODO: read the flag under the lock. */
    (void)e;
    return false;
}

void event_wait(event_t *e)
{
    /* TODO: under the lock, wait on the condition variable in a loop until
     * the flag is set. */
    (void)e;
}

bool event_wait_timeout(event_t *e, unsigned ms)
{
    /* TODO: like event_wait, but stop at a deadline `ms` from now (an
     * absolute CLOCK_MONOTONIC time for pthread_cond_timedwait). Return
     * whether the flag is set. */
    (void)e;
    (void)ms;
    return false;
}
