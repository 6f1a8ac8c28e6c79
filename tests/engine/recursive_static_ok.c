/* recursive_static_ok.c - sample for `grader stress`: recursive mutexes made
 * three ways: PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP (never passes through
 * pthread_mutex_init: the engine reads the kind from the mutex itself),
 * a mutexattr of type PTHREAD_MUTEX_RECURSIVE, and C11's mtx_recursive. A
 * function that holds the lock calls another that takes it again: relocking
 * a recursive mutex is no deadlock, and it is free only after the last
 * unlock.
 * expect: ok */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <threads.h>

static pthread_mutex_t by_initializer = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static pthread_mutex_t by_attr;
static mtx_t by_c11;
static long count[3];

static void add(int which)
{
    if (which == 0) pthread_mutex_lock(&by_initializer);
    if (which == 1) pthread_mutex_lock(&by_attr);
    if (which == 2) mtx_lock(&by_c11);
    count[which]++;
    if (which == 0) pthread_mutex_unlock(&by_initializer);
    if (which == 1) pthread_mutex_unlock(&by_attr);
    if (which == 2) mtx_unlock(&by_c11);
}

static void add_twice(int which)
{
    if (which == 0) pthread_mutex_lock(&by_initializer);
    if (which == 1) pthread_mutex_lock(&by_attr);
    if (which == 2) mtx_lock(&by_c11);
    add(which); /* locks it again */
    add(which);
    if (which == 0) pthread_mutex_unlock(&by_initializer);
    if (which == 1) pthread_mutex_unlock(&by_attr);
    if (which == 2) mtx_unlock(&by_c11);
}

static void *worker(void *unused)
{
    (void)unused;
    for (int i = 0; i < 300; i++)
        for (int which = 0; which < 3; which++)
            add_twice(which);
    return NULL;
}

int main(void)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&by_attr, &a);
    pthread_mutexattr_destroy(&a);
    mtx_init(&by_c11, mtx_plain | mtx_recursive);
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    printf("%ld %ld %ld\n", count[0], count[1], count[2]);
    return count[0] == 1800 && count[1] == 1800 && count[2] == 1800 ? 0 : 1;
}
