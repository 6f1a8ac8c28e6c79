/* cond_reinit_ok.c - sample for `grader stress`: the correct twin of
 * misuse_two_mutexes_later.c: the condition variable is destroyed and made
 * again between its two uses, so each life pairs it with one mutex.
 * expect: ok */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t results_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready;
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
        pthread_cond_wait(&ready, &results_lock);
    results--;
    pthread_mutex_unlock(&results_lock);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_cond_init(&ready, NULL);
    pthread_create(&t, NULL, first_consumer, NULL);
    pthread_mutex_lock(&queue_lock);
    jobs = 1;
    pthread_cond_signal(&ready);
    pthread_mutex_unlock(&queue_lock);
    pthread_join(t, NULL);
    pthread_cond_destroy(&ready); /* a new life for the next pairing */
    pthread_cond_init(&ready, NULL);

    pthread_create(&t, NULL, second_consumer, NULL);
    pthread_mutex_lock(&results_lock);
    results = 1;
    pthread_cond_signal(&ready);
    pthread_mutex_unlock(&results_lock);
    pthread_join(t, NULL);
    pthread_cond_destroy(&ready);
    puts("done");
    return 0;
}
