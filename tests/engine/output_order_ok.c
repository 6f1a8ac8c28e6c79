/* output_order_ok.c - sample for `grader stress --compare-output`: the
 * correct twin of output_order.c: each worker stores its result in its own
 * slot and main prints them in order after joining, so every run prints
 * the same lines.
 * stress-options: --compare-output
 * expect: ok */
#include <pthread.h>
#include <stdio.h>

#define WORKERS 3
static long squares[WORKERS];

static void *worker(void *arg)
{
    long id = (long)arg;
    squares[id] = id * id;
    return NULL;
}

int main(void)
{
    pthread_t t[WORKERS];
    for (long i = 0; i < WORKERS; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < WORKERS; i++)
        printf("worker %d: %ld\n", i, squares[i]);
    return 0;
}
