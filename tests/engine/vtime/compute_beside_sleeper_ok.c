/* compute_beside_sleeper_ok.c - sample for `grader stress --virtual-time`:
 * correct code that computes. One thread sleeps a virtual second while
 * another works through a CPU-bound loop of about 20 ms, reading the clock
 * now and then (to time its work) and taking a lock 50 times; then
 * main joins both. The clock stands while the work runs (nobody waits for
 * it but the sleeper, who is not in a hurry): not busy waiting, however
 * slow the machine, because the work ends.
 * expect: ok */
#include <pthread.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static volatile unsigned long sink;

static void *sleeper(void *unused)
{
    (void)unused;
    sleep(1);
    return NULL;
}

static void *worker(void *unused)
{
    (void)unused;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned long i = 0; i < 500; i++) {
        unsigned long x = i;
        for (int k = 0; k < 20000; k++)
            x = x * 6364136223846793005UL + 1442695040888963407UL;
        if (i % 10 == 0) {
            pthread_mutex_lock(&mu);
            sink += x;
            pthread_mutex_unlock(&mu);
        }
        if (i % 50 == 0)
            clock_gettime(CLOCK_MONOTONIC, &t1);
    }
    return NULL;
}

int main(void)
{
    pthread_t s, w;
    pthread_create(&s, NULL, sleeper, NULL);
    pthread_create(&w, NULL, worker, NULL);
    pthread_join(w, NULL);
    pthread_join(s, NULL);
    return 0;
}
