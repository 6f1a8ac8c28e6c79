/* spin_abba.c - sample for `grader stress`: the abba inversion with spin
 * locks. The engine keeps spin locks like mutexes: the lock-order graph
 * reports the cycle; a hang shows each thread spinning on a lock the other
 * holds.
 * expect: deadlock */
#define _DEFAULT_SOURCE /* read-write locks, spin locks, barriers */
#include <pthread.h>
#include <stdio.h>

static pthread_spinlock_t spin_a, spin_b;
static long a = 1000, b = 1000;

static void *a_to_b(void *unused)
{
    (void)unused;
    for (int i = 0; i < 1000; i++) {
        pthread_spin_lock(&spin_a);
        pthread_spin_lock(&spin_b);
        a--, b++;
        pthread_spin_unlock(&spin_b);
        pthread_spin_unlock(&spin_a);
    }
    return NULL;
}

static void *b_to_a(void *unused)
{
    (void)unused;
    for (int i = 0; i < 1000; i++) {
        pthread_spin_lock(&spin_b);
        pthread_spin_lock(&spin_a);
        b--, a++;
        pthread_spin_unlock(&spin_a);
        pthread_spin_unlock(&spin_b);
    }
    return NULL;
}

int main(void)
{
    pthread_spin_init(&spin_a, PTHREAD_PROCESS_PRIVATE);
    pthread_spin_init(&spin_b, PTHREAD_PROCESS_PRIVATE);
    pthread_t t1, t2;
    pthread_create(&t1, NULL, a_to_b, NULL);
    pthread_create(&t2, NULL, b_to_a, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    printf("a=%ld b=%ld\n", a, b);
    return 0;
}
