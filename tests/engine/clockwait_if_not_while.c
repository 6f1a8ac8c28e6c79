/* clockwait_if_not_while.c - sample for `grader stress`: if_not_while.c
 * with pthread_cond_clockwait (glibc 2.30) on CLOCK_MONOTONIC: the engine
 * sees a wait that names its clock as it sees the others, so its spurious
 * wake-ups catch the `if` here too.
 * expect: assertion */
#define _GNU_SOURCE
#include <assert.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t filled = PTHREAD_COND_INITIALIZER;
static int box; /* 0: empty */

static void *producer(void *unused)
{
    (void)unused;
    usleep(20000);
    pthread_mutex_lock(&lock);
    box = 42;
    pthread_cond_signal(&filled);
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, producer, NULL);
    pthread_mutex_lock(&lock);
    struct timespec d;
    clock_gettime(CLOCK_MONOTONIC, &d);
    d.tv_sec += 10;
    if (box == 0)
        pthread_cond_clockwait(&filled, &lock, CLOCK_MONOTONIC, &d);
    int got = box;
    pthread_mutex_unlock(&lock);
    pthread_join(t, NULL);
    assert(got == 42);
    return 0;
}
