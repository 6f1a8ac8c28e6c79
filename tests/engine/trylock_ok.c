/* trylock_ok.c - sample for `grader stress`: opposite lock orders, but one
 * side takes its second mutex with trylock and, when it is busy, lets go of
 * the first and tries again. A trylock never waits, so the two can never
 * wait for each other: not a fault, stress must report ok (a trylock adds
 * no edge to the lock-order graph).
 * expect: ok */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

static pthread_mutex_t mutex_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t mutex_b = PTHREAD_MUTEX_INITIALIZER;
static long a = 1000, b = 1000;

static void *a_then_try_b(void *unused)
{
    (void)unused;
    for (int i = 0; i < 1000;) {
        pthread_mutex_lock(&mutex_a);
        if (pthread_mutex_trylock(&mutex_b) != 0) {
            pthread_mutex_unlock(&mutex_a); /* back off, retry */
            sched_yield();
            continue;
        }
        a--, b++, i++;
        pthread_mutex_unlock(&mutex_b);
        pthread_mutex_unlock(&mutex_a);
    }
    return NULL;
}

static void *b_then_a(void *unused)
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
    pthread_create(&t1, NULL, a_then_try_b, NULL);
    pthread_create(&t2, NULL, b_then_a, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    printf("a+b=%ld\n", a + b);
    return a + b == 2000 ? 0 : 1;
}
