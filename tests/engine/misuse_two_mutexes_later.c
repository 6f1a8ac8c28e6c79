/* misuse_two_mutexes_later.c - sample for `grader stress`: a job queue's
 * "ready" condition variable is first waited on with the queue's mutex,
 * later (by a second consumer, written separately) with a results mutex.
 * The two waits never overlap, yet one condition variable is paired with
 * two mutexes over its life: a signal under one mutex can be lost by a
 * waiter that checked its predicate under the other.
 * expect: misuse */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t results_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready = PTHREAD_COND_INITIALIZER;
static int jobs, results;

static void *first_consumer(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&queue_lock);
    while (jobs == 0)
        pthread_cond_wait(&ready, &queue_lock);
    jobs--;
    pthread_mutex_unlock(&queue_lock);
    return NULL;
}

static void *second_consumer(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&results_lock);
    while (results == 0)
        pthread_cond_wait(&ready, &results_lock); /* misuse here */
    results--;
    pthread_mutex_unlock(&results_lock);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, first_consumer, NULL);
    pthread_mutex_lock(&queue_lock);
    jobs = 1;
    pthread_cond_signal(&ready);
    pthread_mutex_unlock(&queue_lock);
    pthread_join(t, NULL);

    pthread_create(&t, NULL, second_consumer, NULL);
    pthread_mutex_lock(&results_lock);
    results = 1;
    pthread_cond_signal(&ready);
    pthread_mutex_unlock(&results_lock);
    pthread_join(t, NULL);
    puts("done");
    return 0;
}
