/* fired_wait_behind_sleeper.c - sample for `grader stress --virtual-time`,
 * correct: a 1 s timed condition wait runs out while another thread sleeps
 * (2 s) holding the wait's mutex. The fired wait is blocked on that mutex,
 * not running: the clock must still move to the sleeper's wake-up, and the
 * wait returns ETIMEDOUT when the sleeper unlocks, after exactly 2500 ms.
 * (Counted as running, the fired wait held the clock still for ever.)
 * expect: ok */
#define _POSIX_C_SOURCE 200809L
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;

/* Nanoseconds: a difference of two is exact (milliseconds as doubles of
 * the absolute time would round). */
static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *sleeper(void *unused)
{
    (void)unused;
    struct timespec half = { 0, 500 * 1000000L };
    nanosleep(&half, NULL);
    pthread_mutex_lock(&lock);
    sleep(2); /* with the lock held */
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    int64_t t0 = now_ns();
    struct timespec d;
    clock_gettime(CLOCK_REALTIME, &d);
    d.tv_sec += 1;
    pthread_t t;
    pthread_mutex_lock(&lock);
    pthread_create(&t, NULL, sleeper, NULL);
    int rc = 0;
    while (rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&never, &lock, &d);
    double took = (now_ns() - t0) / 1e6;
    pthread_mutex_unlock(&lock);
    pthread_join(t, NULL);
    assert(took >= 2499.0 && took <= 2501.0);
    return 0;
}
