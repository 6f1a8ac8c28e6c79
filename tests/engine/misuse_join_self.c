/* misuse_join_self.c - sample for `grader stress`: a pool's shutdown joins
 * every thread in the table, including the one running it: pthread_join
 * returns EDEADLK, which the code ignores.
 * expect: misuse */
#include <pthread.h>
#include <stdio.h>

#define N 3
static pthread_t pool[N];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t all_in = PTHREAD_COND_INITIALIZER;
static int started;

static void *member(void *arg)
{
    long me = (long)arg;
    pthread_mutex_lock(&lock);
    started++;
    pthread_cond_broadcast(&all_in);
    while (started < N)
        pthread_cond_wait(&all_in, &lock);
    pthread_mutex_unlock(&lock);
    if (me == 0)
        for (int i = 0; i < N; i++)
            pthread_join(pool[i], NULL); /* misuse here */
    return NULL;
}

int main(void)
{
    pthread_mutex_lock(&lock);
    for (long i = 0; i < N; i++)
        pthread_create(&pool[i], NULL, member, (void *)i);
    pthread_mutex_unlock(&lock);
    pthread_exit(NULL);
}
