/* clocks_ok.c - sample for `grader stress`: the twin of the wrong-clock
 * samples. A monotonic condition variable waited with a monotonic deadline,
 * a default (realtime) one with a realtime deadline, timeouts that expire
 * (ETIMEDOUT is not an error to report) and a trylock that fails (EBUSY,
 * neither): all correct, stress must report ok.
 * expect: ok */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t mono, real = PTHREAD_COND_INITIALIZER;
static int finished;

static void deadline_in(clockid_t clock, long ms, struct timespec *ts)
{
    clock_gettime(clock, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void *worker(void *unused)
{
    (void)unused;
    struct timespec ts;
    pthread_mutex_lock(&lock);
    deadline_in(CLOCK_REALTIME, 20, &ts);
    while (pthread_cond_timedwait(&real, &lock, &ts) != ETIMEDOUT) {
    }
    finished = 1;
    pthread_cond_broadcast(&mono);
    pthread_mutex_unlock(&lock);
    return NULL;
}

static void *try_busy(void *m) { return (void *)(long)pthread_mutex_trylock(m); }

int main(void)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&mono, &a);
    pthread_condattr_destroy(&a);
    pthread_mutex_lock(&lock);
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    struct timespec ts;
    deadline_in(CLOCK_MONOTONIC, 2000, &ts);
    int rc = 0;
    while (!finished && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&mono, &lock, &ts);
    pthread_mutex_unlock(&lock);
    pthread_join(t, NULL);
    /* A trylock on a busy mutex fails with EBUSY: correct code handles it. */
    pthread_mutex_lock(&lock);
    pthread_t busy;
    pthread_create(&busy, NULL, try_busy, &lock);
    void *res;
    pthread_join(busy, &res);
    pthread_mutex_unlock(&lock);
    pthread_cond_destroy(&mono);
    printf("finished=%d trylock=%ld\n", finished, (long)res);
    return finished && (long)res == EBUSY ? 0 : 1;
}
