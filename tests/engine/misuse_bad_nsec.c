/* misuse_bad_nsec.c - sample for `grader stress`: a timeout in milliseconds
 * is added to tv_nsec without carrying whole seconds into tv_sec, so the
 * deadline is invalid and the timed wait fails at once with EINVAL.
 * expect: misuse */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;
static int finished;

static int wait_done(long ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += ms * 1000000L; /* BUG: no carry */
    pthread_mutex_lock(&lock);
    int rc = 0;
    while (!finished && rc == 0)
        rc = pthread_cond_timedwait(&done, &lock, &deadline); /* misuse here */
    int ok = finished;
    pthread_mutex_unlock(&lock);
    return ok;
}

int main(void)
{
    printf("finished: %d\n", wait_done(1500));
    return 0;
}
