/* output_order.c - sample for `grader stress --compare-output`: each
 * worker prints its result as soon as it has it, so the lines come out in
 * whatever order the threads ran: the program's output is not a function
 * of its input. Every line is printed under the lock (no torn lines).
 * stress-options: --compare-output
 * expect: nondeterministic */
#include <pthread.h>
#include <stdio.h>

#define WORKERS 3
static pthread_mutex_t out = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
    long id = (long)arg, square = id * id;
    pthread_mutex_lock(&out);
    printf("worker %ld: %ld\n", id, square); /* in the order threads finish */
    pthread_mutex_unlock(&out);
    return NULL;
}

int main(void)
{
    pthread_t t[WORKERS];
    for (long i = 0; i < WORKERS; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
    return 0;
}
