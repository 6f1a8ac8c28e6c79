/* gated_ok.c - sample for `grader stress`: the same opposite lock orders as
 * abba.c, but both under one common "gate" lock, so they can never overlap.
 * Not a fault: stress must report ok.
 * expect: ok */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t mutex_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t mutex_b = PTHREAD_MUTEX_INITIALIZER;
static long a = 1000, b = 1000;

static void *worker(void *dir)
{
    pthread_mutex_t *first = dir ? &mutex_a : &mutex_b, *second = dir ? &mutex_b : &mutex_a;
    for (int i = 0; i < 1000; i++) {
        pthread_mutex_lock(&gate);
        pthread_mutex_lock(first);
        pthread_mutex_lock(second);
        a--, b++;
        pthread_mutex_unlock(second);
        pthread_mutex_unlock(first);
        pthread_mutex_unlock(&gate);
    }
    return NULL;
}

int main(void)
{
    pthread_t t1, t2;
    pthread_create(&t1, NULL, worker, (void *)1);
    pthread_create(&t2, NULL, worker, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    printf("a+b=%ld\n", a + b);
    return a + b == 2000 ? 0 : 1;
}
