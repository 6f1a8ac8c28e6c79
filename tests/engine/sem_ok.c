/* sem_ok.c - sample for `grader stress`: a bounded buffer built from two
 * counting semaphores (free slots, filled slots) and a mutex, two
 * producers and two consumers; every item is consumed exactly once.
 * The correct twin of sem_hang.c: semaphores under noise, no hang.
 * expect: ok */
#include <assert.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

#define SLOTS 4
#define ITEMS 200 /* per producer */
static sem_t free_slots, filled;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int buffer[SLOTS], head, tail;
static long consumed_sum;

static void *producer(void *arg)
{
    int base = *(int *)arg;
    for (int i = 1; i <= ITEMS; i++) {
        sem_wait(&free_slots);
        pthread_mutex_lock(&lock);
        buffer[tail] = base + i;
        tail = (tail + 1) % SLOTS;
        pthread_mutex_unlock(&lock);
        sem_post(&filled);
    }
    return NULL;
}

static void *consumer(void *unused)
{
    (void)unused;
    for (int i = 0; i < ITEMS; i++) {
        if (sem_trywait(&filled) != 0) /* none ready: block until one is */
            while (sem_wait(&filled) != 0)
                continue;
        pthread_mutex_lock(&lock);
        consumed_sum += buffer[head];
        head = (head + 1) % SLOTS;
        pthread_mutex_unlock(&lock);
        sem_post(&free_slots);
    }
    return NULL;
}

int main(void)
{
    static int bases[2] = { 0, 1000 };
    pthread_t p[2], c[2];
    sem_init(&free_slots, 0, SLOTS);
    sem_init(&filled, 0, 0);
    for (int i = 0; i < 2; i++) {
        pthread_create(&p[i], NULL, producer, &bases[i]);
        pthread_create(&c[i], NULL, consumer, NULL);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(p[i], NULL);
        pthread_join(c[i], NULL);
    }
    long want = 2L * ITEMS * (ITEMS + 1) / 2 + 1000L * ITEMS;
    assert(consumed_sum == want);
    sem_destroy(&free_slots);
    sem_destroy(&filled);
    printf("%ld\n", consumed_sum);
    return 0;
}
