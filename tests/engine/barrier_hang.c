/* barrier_hang.c - sample for `grader stress`: a barrier made for four
 * threads while only three are started: they wait at it forever. No lock
 * is involved, so it is no deadlock cycle: a timeout, and the hang report
 * names the barrier wait of each thread.
 * expect: timeout */
#define _DEFAULT_SOURCE /* read-write locks, spin locks, barriers */
#include <pthread.h>
#include <stdio.h>

#define STARTED 3

static pthread_barrier_t all_ready;

static void *worker(void *unused)
{
    (void)unused;
    pthread_barrier_wait(&all_ready);
    return NULL;
}

int main(void)
{
    pthread_barrier_init(&all_ready, NULL, STARTED + 1); /* BUG: main never waits */
    pthread_t t[STARTED];
    for (int i = 0; i < STARTED; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < STARTED; i++)
        pthread_join(t[i], NULL);
    puts("all done");
    return 0;
}
