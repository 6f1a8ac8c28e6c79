/* misuse_destroy_cond.c - sample for `grader stress`: shutting down
 * destroys the condition variable a worker still waits on (it was never
 * woken and joined). glibc's pthread_cond_destroy then blocks forever.
 * expect: misuse */
#define _DEFAULT_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER;
static int jobs;

static void *worker(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&lock);
    while (jobs == 0)
        pthread_cond_wait(&work, &lock);
    jobs--;
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    usleep(100 * 1000); /* the worker waits by now */
    pthread_cond_destroy(&work); /* misuse here */
    puts("shut down");
    return 0;
}
