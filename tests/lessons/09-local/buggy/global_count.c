/* BUG: one count for the whole program instead of one per thread: every
 * thread adds to the same variable, so tally_mine returns what all the
 * threads added, not what the caller added. (It is locked: no data race,
 * only the wrong answer.)
 * expect: functional */
#include "local.h"

#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long count;

void tally_add(long v)
{
    pthread_mutex_lock(&lock);
    count += v;
    pthread_mutex_unlock(&lock);
}

long tally_mine(void)
{
    pthread_mutex_lock(&lock);
    long c = count;
    pthread_mutex_unlock(&lock);
    return c;
}

long tally_total(void)
{
    return tally_mine();
}

void tally_reset(void)
{
    pthread_mutex_lock(&lock);
    count = 0;
    pthread_mutex_unlock(&lock);
}
