/* three_lock_cycle.c - sample for `grader stress`: three threads, each
 * taking two of three mutexes (A then B, B then C, C then A). They run one
 * after another, so no run can hang; the lock-order graph still holds the
 * cycle A -> B -> C -> A, which deadlocks the day the three overlap.
 * expect: deadlock */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t mutex_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t mutex_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t mutex_c = PTHREAD_MUTEX_INITIALIZER;
static long a = 10, b = 10, c = 10;

static void *a_then_b(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&mutex_a);
    pthread_mutex_lock(&mutex_b);
    a--, b++;
    pthread_mutex_unlock(&mutex_b);
    pthread_mutex_unlock(&mutex_a);
    return NULL;
}

static void *b_then_c(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&mutex_b);
    pthread_mutex_lock(&mutex_c);
    b--, c++;
    pthread_mutex_unlock(&mutex_c);
    pthread_mutex_unlock(&mutex_b);
    return NULL;
}

static void *c_then_a(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&mutex_c);
    pthread_mutex_lock(&mutex_a);
    c--, a++;
    pthread_mutex_unlock(&mutex_a);
    pthread_mutex_unlock(&mutex_c);
    return NULL;
}

int main(void)
{
    void *(*steps[])(void *) = { a_then_b, b_then_c, c_then_a };
    for (int i = 0; i < 3; i++) { /* one at a time: never two at once */
        pthread_t t;
        pthread_create(&t, NULL, steps[i], NULL);
        pthread_join(t, NULL);
    }
    printf("a+b+c=%ld\n", a + b + c);
    return a + b + c == 30 ? 0 : 1;
}
