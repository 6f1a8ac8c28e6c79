/* restarts_after_wakeup.c - sample for `grader stress --virtual-time`: a
 * timed wait that computes a fresh deadline after every wake-up. The
 * engine's virtual timed waits wake up once half-way (POSIX allows
 * spurious wake-ups), so a 5000 ms timeout gives up after 7500 ms and the
 * program's own check fails, in a few milliseconds of real time.
 * expect: assertion */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static bool ready;

static struct timespec deadline_in(unsigned ms)
{
    struct timespec d;
    clock_gettime(CLOCK_REALTIME, &d);
    d.tv_sec += ms / 1000;
    d.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (d.tv_nsec >= 1000000000L) {
        d.tv_sec++;
        d.tv_nsec -= 1000000000L;
    }
    return d;
}

int main(void)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_REALTIME, &t0);
    pthread_mutex_lock(&lock);
    int rc = 0;
    while (!ready && rc != ETIMEDOUT) {
        struct timespec d = deadline_in(5000); /* BUG: restarts after each wake-up */
        rc = pthread_cond_timedwait(&changed, &lock, &d);
    }
    pthread_mutex_unlock(&lock);
    clock_gettime(CLOCK_REALTIME, &t1);
    double took = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
    assert(took <= 5001.0);
    return 0;
}
