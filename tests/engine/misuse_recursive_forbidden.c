/* misuse_recursive_forbidden.c - sample for `grader stress
 * --no-recursive-mutex` (what a lesson that builds a re-entrant lock asks
 * for: REMOTE_NO_RECURSIVE_MUTEX in remote.h): the mutex is made recursive
 * by its static initialiser, which calls nothing a build-time check could
 * see; the engine reads the kind from the mutex when it is locked. Without
 * the option, recursive_static_ok.c shows the same locks pass.
 * stress-options: --no-recursive-mutex
 * expect: misuse */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static long total;

/* Adds n, n-1, .., 1, taking the lock again at each level. */
static void add_down(long n)
{
    pthread_mutex_lock(&lock); /* misuse here */
    total += n;
    if (n > 1)
        add_down(n - 1);
    pthread_mutex_unlock(&lock);
}

static void *worker(void *unused)
{
    (void)unused;
    for (int i = 0; i < 100; i++)
        add_down(4);
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    printf("%ld\n", total);
    return total == 2000 ? 0 : 1;
}
