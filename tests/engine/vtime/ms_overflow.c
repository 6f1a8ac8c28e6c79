/* ms_overflow.c - sample for `grader stress --virtual-time`: a timed wait
 * whose deadline adds ms * 1000000 nanoseconds computed in 32 bits. Right
 * up to 4294 ms; a 5000 ms timeout wraps to 705 ms, and the program's own
 * check fails. In virtual time the 5 s wait costs no real time.
 * expect: assertion */
#define _POSIX_C_SOURCE 200809L
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdbool.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed;
static bool ready;

/* Nanoseconds: a difference of two is exact (milliseconds as doubles of
 * the absolute time would round). */
static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Waits at most ms for `ready`; returns it. */
static bool wait_ready(unsigned ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    unsigned ns = ms * 1000000u; /* BUG: wraps beyond 4294 ms */
    deadline.tv_sec += ns / 1000000000u;
    deadline.tv_nsec += (long)(ns % 1000000000u);
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&lock);
    int rc = 0;
    while (!ready && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&changed, &lock, &deadline);
    bool r = ready;
    pthread_mutex_unlock(&lock);
    return r;
}

int main(void)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&changed, &ca);
    int64_t t0 = now_ns();
    bool r = wait_ready(5000);
    double took = (now_ns() - t0) / 1e6;
    assert(!r && took >= 5000.0); /* gave up after 705 ms */
    return 0;
}
