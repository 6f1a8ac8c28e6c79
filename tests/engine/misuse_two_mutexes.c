/* misuse_two_mutexes.c - sample for `grader stress`: two queues share one
 * "not empty" condition variable but each waits with its own mutex. Waits
 * at the same time on one condition variable must use the same mutex.
 * expect: misuse */
#define _DEFAULT_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;

typedef struct queue {
    pthread_mutex_t lock;
    int items;
} queue;

static queue q1 = { PTHREAD_MUTEX_INITIALIZER, 0 }, q2 = { PTHREAD_MUTEX_INITIALIZER, 0 };

static void *take(void *arg)
{
    queue *q = arg;
    pthread_mutex_lock(&q->lock);
    while (q->items == 0)
        pthread_cond_wait(&not_empty, &q->lock); /* misuse here */
    q->items--;
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

static void put(queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->items++;
    pthread_cond_broadcast(&not_empty);
    pthread_mutex_unlock(&q->lock);
}

int main(void)
{
    pthread_t t1, t2;
    pthread_create(&t1, NULL, take, &q1);
    pthread_create(&t2, NULL, take, &q2);
    usleep(200 * 1000); /* both are waiting by now */
    put(&q1);
    put(&q2);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    puts("done");
    return 0;
}
