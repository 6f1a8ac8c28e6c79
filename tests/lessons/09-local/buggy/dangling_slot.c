/* BUG: each thread keeps its count in a _Thread_local variable and puts
 * its address in a table the first time, so that tally_total can add them
 * all up. Nothing takes the address out when the thread exits (no
 * pthread_key_create destructor): the table keeps a pointer into storage
 * that went away with the thread. The system gives that memory (the stack
 * and thread-local storage of the exited thread) to the next thread it
 * starts, whose count starts at 0 at the same address: the exited thread's
 * count is lost, and the address is in the table twice.
 * expect: functional */
#include "local.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#define MAX_THREADS 1024

static _Thread_local long mine;
static _Thread_local bool listed;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long *counts[MAX_THREADS];
static int used;

static void list_me(void)
{
    if (listed)
        return;
    pthread_mutex_lock(&lock);
    if (used == MAX_THREADS)
        abort();
    counts[used++] = &mine;
    pthread_mutex_unlock(&lock);
    listed = true;
}

void tally_add(long v)
{
    list_me();
    pthread_mutex_lock(&lock);
    mine += v;
    pthread_mutex_unlock(&lock);
}

long tally_mine(void)
{
    list_me();
    pthread_mutex_lock(&lock);
    long c = mine;
    pthread_mutex_unlock(&lock);
    return c;
}

long tally_total(void)
{
    pthread_mutex_lock(&lock);
    long sum = 0;
    for (int i = 0; i < used; i++)
        sum += *counts[i];
    pthread_mutex_unlock(&lock);
    return sum;
}

void tally_reset(void)
{
    pthread_mutex_lock(&lock);
    for (int i = 0; i < used; i++)
        *counts[i] = 0;
    pthread_mutex_unlock(&lock);
}
