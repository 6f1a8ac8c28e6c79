/* misuse_wrong_clock.c - sample for `grader stress`: the deadline is read
 * from CLOCK_MONOTONIC but the condition variable keeps its default clock,
 * CLOCK_REALTIME: the deadline lies decades in the past, so the wait gives
 * up at once, every time.
 * expect: misuse */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;
static int finished;

static void *worker(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&lock);
    finished = 1;
    pthread_cond_signal(&done);
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += 2;
    pthread_mutex_lock(&lock);
    int rc = 0;
    while (!finished && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&done, &lock, &deadline); /* misuse here */
    pthread_mutex_unlock(&lock);
    pthread_join(t, NULL);
    puts(rc == ETIMEDOUT ? "gave up" : "done");
    return 0;
}
