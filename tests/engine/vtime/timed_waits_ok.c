/* timed_waits_ok.c - sample for `grader stress --virtual-time`, correct:
 * a 5 s timed wait that runs out gives up after exactly 5000 ms; a 30 s
 * timed wait that a sleeper (sleep(2)) ends returns after exactly 2 s;
 * an hour's nanosleep, a 1.5 s poll without descriptors, a 3 s timed
 * lock, time() and gettimeofday agree.
 * All of it in virtual time: a few milliseconds of real time per run.
 * expect: ok */
#define _POSIX_C_SOURCE 200809L
#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
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

static struct timespec deadline_in(clockid_t clock, unsigned ms)
{
    struct timespec d;
    clock_gettime(clock, &d);
    d.tv_sec += ms / 1000;
    d.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (d.tv_nsec >= 1000000000L) {
        d.tv_sec++;
        d.tv_nsec -= 1000000000L;
    }
    return d;
}

static bool wait_ready(unsigned ms)
{
    struct timespec d = deadline_in(CLOCK_MONOTONIC, ms);
    pthread_mutex_lock(&lock);
    int rc = 0;
    while (!ready && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&changed, &lock, &d);
    bool r = ready;
    pthread_mutex_unlock(&lock);
    return r;
}

static void *setter(void *unused)
{
    (void)unused;
    sleep(2);
    pthread_mutex_lock(&lock);
    ready = true;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
    return NULL;
}

static void *locker(void *unused)
{
    (void)unused;
    struct timespec d = deadline_in(CLOCK_REALTIME, 3000);
    int64_t t0 = now_ns();
    int rc = pthread_mutex_timedlock(&held, &d);
    double took = (now_ns() - t0) / 1e6;
    assert(rc == ETIMEDOUT && took >= 3000.0 && took <= 3001.0);
    return NULL;
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
    assert(!r && took >= 5000.0 && took <= 5001.0);

    pthread_t t;
    pthread_create(&t, NULL, setter, NULL);
    t0 = now_ns();
    r = wait_ready(30000);
    took = (now_ns() - t0) / 1e6;
    assert(r && took >= 2000.0 && took <= 2001.0);
    pthread_join(t, NULL);

    time_t s0 = time(NULL);
    struct timespec hour = { 3600, 0 };
    nanosleep(&hour, NULL);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    assert(time(NULL) - s0 >= 3600 && tv.tv_sec - s0 >= 3600);
    t0 = now_ns();
    poll(NULL, 0, 1500); /* no descriptors: a sleep */
    assert((now_ns() - t0) / 1e6 >= 1500.0 && (now_ns() - t0) / 1e6 <= 1501.0);

    pthread_mutex_lock(&held); /* the locker's timed lock runs out */
    pthread_create(&t, NULL, locker, NULL);
    pthread_join(t, NULL);
    pthread_mutex_unlock(&held);
    return 0;
}
