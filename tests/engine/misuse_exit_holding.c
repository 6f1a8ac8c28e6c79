/* misuse_exit_holding.c - sample for `grader stress`: a worker leaves on an
 * early path without unlocking. Nobody locks the mutex afterwards, so the
 * run does not hang (compare exited_holder.c, where a later lock makes it a
 * deadlock): the exit itself is the misuse, reported when it happens.
 * expect: misuse */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long stock = 0;

static void *take_one(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&lock); /* misuse here */
    if (stock == 0)
        return NULL; /* BUG: leaves with the lock held */
    stock--;
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, take_one, NULL);
    pthread_join(t, NULL);
    puts("done");
    return 0;
}
