/* misuse_monotonic_realtime.c - sample for `grader stress`: the condition
 * variable is set to CLOCK_MONOTONIC but the deadline is read from
 * CLOCK_REALTIME: it lies decades in the future, so the wait never times
 * out (here a signal still comes, so the run does not hang).
 * expect: misuse */
#define _DEFAULT_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done;
static int finished;

static void *worker(void *unused)
{
    (void)unused;
    usleep(50 * 1000);
    pthread_mutex_lock(&lock);
    finished = 1;
    pthread_cond_signal(&done);
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&done, &a);
    pthread_condattr_destroy(&a);
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 1;
    pthread_mutex_lock(&lock);
    while (!finished)
        pthread_cond_timedwait(&done, &lock, &deadline); /* misuse here */
    pthread_mutex_unlock(&lock);
    pthread_join(t, NULL);
    puts("done");
    return 0;
}
