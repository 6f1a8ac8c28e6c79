/* race_counter_ok.c - sample for `grader stress prog.c`: the correct twin
 * of race_counter.c: the counter is bumped under the same lock.
 * expect: ok */
#include <pthread.h>
#include <stdio.h>

#define THREADS 4
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static long hits, logged;

static void *visitor(void *unused)
{
    (void)unused;
    for (int i = 0; i < 100; i++) {
        pthread_mutex_lock(&log_lock);
        hits++;
        logged++;
        pthread_mutex_unlock(&log_lock);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, visitor, NULL);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    printf("%ld hits, %ld logged\n", hits, logged);
    return 0;
}
