/* local.c - lesson 09: your solution goes here.
 *
 * Read README.md first. Each function below is a stub: replace its body.
 * Helpers and variables you add must be `static`.
 */
#include "local.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

/* TODO: the calling thread's own count. A variable declared
 *
 *     static _Thread_local long count;
 *
 * exists once per thread: each thread that runs this code has its own,
 * 0 when the thread starts. tally_total must add up every thread's count,
 * so each thread must also make its count known to the others (a list of
 * counts guarded by a mutex), and when a thread exits its count must be
 * kept (see pthread_key_create: its destructor runs as the thread exits). */

void tally_add(long v)
{
    /* TODO: add v to the calling thread's own count. */
    (void)v;
}

long tally_mine(void)
{
    /* TODO: return the calling thread's own count. */
    return 0;
}

long tally_total(void)
{
    /* TODO: return the sum of every thread's count: the live threads' and
     * the exited threads'. Other threads may be adding meanwhile. */
    return 0;
}

void tally_reset(void)
{
    /* TODO: set every count to 0: the live threads' and the exited threads'. */
}
