/* sem_hang.c - sample for `grader stress`: a pool of workers takes jobs
 * from a counting semaphore, but the dispatcher posts one job too few (an
 * off-by-one in its loop): one worker waits on the semaphore for ever and
 * main waits for its "done". The hang report names both semaphore waits.
 * expect: timeout */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

#define WORKERS 4
static sem_t jobs, done;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int handled;

static void *worker(void *unused)
{
    (void)unused;
    sem_wait(&jobs); /* the job that never comes */
    pthread_mutex_lock(&lock);
    handled++;
    pthread_mutex_unlock(&lock);
    sem_post(&done);
    return NULL;
}

int main(void)
{
    pthread_t t[WORKERS];
    sem_init(&jobs, 0, 0);
    sem_init(&done, 0, 0);
    for (int i = 0; i < WORKERS; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 1; i < WORKERS; i++) /* one job too few */
        sem_post(&jobs);
    for (int i = 0; i < WORKERS; i++)
        sem_wait(&done);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
    printf("%d jobs\n", handled);
    return 0;
}
