/* misuse_wait_unlocked.c - sample for `grader stress`: a consumer waits on
 * the condition variable without holding its mutex, so the producer's
 * signal can come between its check and its wait.
 * expect: misuse */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready = PTHREAD_COND_INITIALIZER;
static int items;

static void *consumer(void *unused)
{
    (void)unused;
    for (int tries = 0; tries < 50; tries++) {
        pthread_mutex_lock(&lock);
        int have = items;
        pthread_mutex_unlock(&lock);
        if (have)
            break;
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_nsec = 0;
        deadline.tv_sec += 1;
        pthread_cond_timedwait(&ready, &lock, &deadline); /* misuse here */
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, consumer, NULL);
    pthread_mutex_lock(&lock);
    items = 1;
    pthread_cond_signal(&ready);
    pthread_mutex_unlock(&lock);
    pthread_join(t, NULL);
    puts("done");
    return 0;
}
