/* c11_abba.c - sample for `grader stress`: the abba inversion written with
 * C11 <threads.h>: two threads lock two mtx_t in opposite orders. The engine
 * sees mtx_lock like pthread_mutex_lock: the cycle is reported with both
 * threads' mtx_lock lines.
 * expect: deadlock */
#include <stdio.h>
#include <threads.h>

static mtx_t mutex_a, mutex_b;
static long a = 1000, b = 1000;

static int a_to_b(void *unused)
{
    (void)unused;
    for (int i = 0; i < 1000; i++) {
        mtx_lock(&mutex_a);
        mtx_lock(&mutex_b);
        a--, b++;
        mtx_unlock(&mutex_b);
        mtx_unlock(&mutex_a);
    }
    return 0;
}

static int b_to_a(void *unused)
{
    (void)unused;
    for (int i = 0; i < 1000; i++) {
        mtx_lock(&mutex_b);
        mtx_lock(&mutex_a);
        b--, a++;
        mtx_unlock(&mutex_a);
        mtx_unlock(&mutex_b);
    }
    return 0;
}

int main(void)
{
    mtx_init(&mutex_a, mtx_plain);
    mtx_init(&mutex_b, mtx_plain);
    thrd_t t1, t2;
    thrd_create(&t1, a_to_b, NULL);
    thrd_create(&t2, b_to_a, NULL);
    thrd_join(t1, NULL);
    thrd_join(t2, NULL);
    printf("a=%ld b=%ld\n", a, b);
    return 0;
}
