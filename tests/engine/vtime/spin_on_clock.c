/* spin_on_clock.c - sample for `grader stress --virtual-time`: a thread
 * "sleeps" 50 ms by reading the clock until it has moved on. Nobody else
 * waits for anything, but the thread itself polls the clock: under
 * virtual time it stands still while the thread runs, so this is reported
 * as busy waiting, not at the run's timeout.
 * expect: busy-wait */
#include <pthread.h>
#include <time.h>

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); /* spins here */
    return ts.tv_sec * 1000000000LL + ts.tv_nsec; /* spins here */
}

static void *worker(void *unused)
{
    (void)unused;
    long long until = now_ns() + 50 * 1000000LL;
    while (now_ns() < until) /* spins here */
        ; /* spins here */
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    return 0;
}
