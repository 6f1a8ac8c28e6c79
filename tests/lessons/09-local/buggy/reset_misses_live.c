/* BUG: each thread keeps its count in a _Thread_local variable, and a
 * global total (under a lock) gets every add, so the counts of exited
 * threads are kept for free. But tally_reset can reach only the calling
 * thread's variable: the other live threads keep their counts, and
 * tally_mine in them still returns what they added before the reset.
 * expect: functional */
#include "local.h"

#include <pthread.h>

static _Thread_local long mine;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long total;

void tally_add(long v)
{
    mine += v;
    pthread_mutex_lock(&lock);
    total += v;
    pthread_mutex_unlock(&lock);
}

long tally_mine(void)
{
    return mine;
}

long tally_total(void)
{
    pthread_mutex_lock(&lock);
    long t = total;
    pthread_mutex_unlock(&lock);
    return t;
}

void tally_reset(void)
{
    pthread_mutex_lock(&lock);
    total = 0;
    pthread_mutex_unlock(&lock);
    mine = 0; /* only the caller's */
}
