/* sem_never_posted.c - sample for `grader stress --virtual-time`: a
 * consumer waits on a semaphore whose producer posts to another one by
 * mistake, and main joins the consumer. Every thread is blocked and no
 * deadline is pending: reported at once, not at the run's timeout.
 * expect: deadlock */
#include <pthread.h>
#include <semaphore.h>

static sem_t items, slots;

static void *consumer(void *unused)
{
    (void)unused;
    sem_wait(&items);
    return NULL;
}

int main(void)
{
    sem_init(&items, 0, 0);
    sem_init(&slots, 0, 0);
    pthread_t t;
    pthread_create(&t, NULL, consumer, NULL);
    sem_post(&slots); /* BUG: the consumer waits on items */
    pthread_join(t, NULL);
    return 0;
}
