/* BUG: each thread's count is found in a table by the thread's id
 * (pthread_self), and the table keeps the entry of a thread that has
 * exited (so tally_total keeps its count). But the system gives the id of
 * an exited thread to the next thread it starts: that new thread finds the
 * old entry and starts from the dead thread's count instead of 0.
 * expect: functional */
#include "local.h"

#include <pthread.h>
#include <stdlib.h>

#define MAX_THREADS 256

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t ids[MAX_THREADS];
static long counts[MAX_THREADS];
static int used;

/* The caller's entry (made the first time); the lock is held. */
static long *my_count(void)
{
    pthread_t self = pthread_self();
    for (int i = 0; i < used; i++)
        if (pthread_equal(ids[i], self))
            return &counts[i];
    if (used == MAX_THREADS)
        abort();
    ids[used] = self;
    counts[used] = 0;
    return &counts[used++];
}

void tally_add(long v)
{
    pthread_mutex_lock(&lock);
    *my_count() += v;
    pthread_mutex_unlock(&lock);
}

long tally_mine(void)
{
    pthread_mutex_lock(&lock);
    long c = *my_count();
    pthread_mutex_unlock(&lock);
    return c;
}

long tally_total(void)
{
    pthread_mutex_lock(&lock);
    long sum = 0;
    for (int i = 0; i < used; i++)
        sum += counts[i];
    pthread_mutex_unlock(&lock);
    return sum;
}

void tally_reset(void)
{
    pthread_mutex_lock(&lock);
    for (int i = 0; i < used; i++)
        counts[i] = 0;
    pthread_mutex_unlock(&lock);
}
