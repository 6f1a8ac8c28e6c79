/* misuse_unlock_other.c - sample for `grader stress`: the main thread locks
 * a mutex and a worker unlocks it, as if a mutex were a signal between
 * threads. Only the owner may unlock a mutex (use a semaphore or a
 * condition variable to signal).
 * expect: misuse */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t started = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *unused)
{
    (void)unused;
    puts("worker running");
    pthread_mutex_unlock(&started); /* misuse here */
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_mutex_lock(&started);
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    return 0;
}
