/* clockwait_ok.c - sample for `grader stress`: the waits that name their
 * clock (glibc 2.30) used correctly: a consumer waits on a default-clock
 * condition variable with pthread_cond_clockwait on CLOCK_MONOTONIC, and
 * on a semaphore with sem_clockwait; a producer feeds both. The engine
 * runs them as its own timed waits (deadline moved onto their clock):
 * nothing to report.
 * expect: ok */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static sem_t items;
static int ready, taken;

static struct timespec in_ms(long ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

static void *consumer(void *unused)
{
    (void)unused;
    for (int i = 0; i < 20; i++) {
        pthread_mutex_lock(&lock);
        while (ready == 0) {
            struct timespec d = in_ms(1000);
            pthread_cond_clockwait(&changed, &lock, CLOCK_MONOTONIC, &d);
        }
        ready--;
        pthread_mutex_unlock(&lock);
        struct timespec d = in_ms(1000);
        while (sem_clockwait(&items, CLOCK_MONOTONIC, &d) != 0)
            d = in_ms(1000);
        taken++;
    }
    return NULL;
}

int main(void)
{
    sem_init(&items, 0, 0);
    pthread_t t;
    pthread_create(&t, NULL, consumer, NULL);
    for (int i = 0; i < 20; i++) {
        pthread_mutex_lock(&lock);
        ready++;
        pthread_cond_signal(&changed);
        pthread_mutex_unlock(&lock);
        sem_post(&items);
    }
    pthread_join(t, NULL);
    printf("taken=%d\n", taken);
    sem_destroy(&items);
    return 0;
}
