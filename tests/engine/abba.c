/* abba.c - sample for `grader stress`: the seed's transfer(a, b) /
 * transfer(b, a). Two threads lock two mutexes in opposite orders; without
 * noise it rarely hangs, under stress the inversion is found every run.
 * expect: deadlock */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t mutex_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t mutex_b = PTHREAD_MUTEX_INITIALIZER;
static long a = 1000, b = 1000;

static void *a_to_b(void *unused)
{
    (void)unused;
    for (int i = 0; i < 1000; i++) {
        pthread_mutex_lock(&mutex_a);
        pthread_mutex_lock(&mutex_b);
        a--, b++;
        pthread_mutex_unlock(&mutex_b);
        pthread_mutex_unlock(&mutex_a);
    }
    return NULL;
}

static void *b_to_a(void *unused)
{
    (void)unused;
    for (int i = 0; i < 1000; i++) {
        pthread_mutex_lock(&mutex_b);
        pthread_mutex_lock(&mutex_a);
        b--, a++;
        pthread_mutex_unlock(&mutex_a);
        pthread_mutex_unlock(&mutex_b);
    }
    return NULL;
}

int main(void)
{
    pthread_t t1, t2;
    pthread_create(&t1, NULL, a_to_b, NULL);
    pthread_create(&t2, NULL, b_to_a, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    printf("a=%ld b=%ld\n", a, b);
    return 0;
}
