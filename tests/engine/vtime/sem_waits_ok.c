/* sem_waits_ok.c - sample for `grader stress --virtual-time`, correct:
 * POSIX semaphores on the virtual clock. A one-hour sem_timedwait that
 * nobody posts gives up after exactly an hour; a 30 s one that a poster
 * (after sleep(2)) ends returns after exactly 2 s with the permit; an
 * expired deadline only tries. A few milliseconds of real time per run.
 * expect: ok */
#define _POSIX_C_SOURCE 200809L
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <semaphore.h>
#include <time.h>
#include <unistd.h>

static sem_t permits;

/* Nanoseconds: a difference of two is exact (milliseconds as doubles of
 * the absolute time would round). */
static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* sem_timedwait's deadline is on CLOCK_REALTIME. */
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

static int timed_wait(unsigned ms)
{
    struct timespec d = deadline_in(ms);
    int rc;
    while ((rc = sem_timedwait(&permits, &d)) != 0 && errno == EINTR)
        ;
    return rc == 0 ? 0 : errno;
}

static void *poster(void *unused)
{
    (void)unused;
    sleep(2);
    sem_post(&permits);
    return NULL;
}

int main(void)
{
    sem_init(&permits, 0, 0);
    int64_t t0 = now_ns();
    assert(timed_wait(3600 * 1000) == ETIMEDOUT);
    double waited = (now_ns() - t0) / 1e6;
    assert(waited >= 3600 * 1000.0 && waited < 3600 * 1000.0 + 1);

    pthread_t t;
    pthread_create(&t, NULL, poster, NULL);
    t0 = now_ns();
    assert(timed_wait(30 * 1000) == 0);
    waited = (now_ns() - t0) / 1e6;
    assert(waited >= 2000 && waited < 2001);
    pthread_join(t, NULL);

    struct timespec past = deadline_in(0);
    past.tv_sec -= 1;
    assert(sem_timedwait(&permits, &past) != 0 && errno == ETIMEDOUT);
    sem_post(&permits);
    assert(sem_timedwait(&permits, &past) == 0); /* a permit there: taken */
    sem_destroy(&permits);
    return 0;
}
