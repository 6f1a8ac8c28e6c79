/* join_reuse_ok.c - sample for `grader stress`: four threads each start and
 * join, again and again, a child that holds a mutex for a moment. glibc
 * gives a joined thread's pthread_t at once to the next thread started, so
 * a join that has returned may find its target's pthread_t already naming a
 * child of another thread, one that holds its mutex: that child must not be
 * taken for the joined one ("exited while holding a mutex"). Nothing to
 * report.
 * expect: ok */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <time.h>

enum { WORKERS = 4, ROUNDS = 300 };
static pthread_mutex_t locks[WORKERS];

static void *child(void *arg)
{
    pthread_mutex_t *m = arg;
    pthread_mutex_lock(m);
    struct timespec moment = { 0, 20000 };
    nanosleep(&moment, NULL); /* holding it */
    pthread_mutex_unlock(m);
    return NULL;
}

static void *worker(void *arg)
{
    for (int i = 0; i < ROUNDS; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, child, arg) == 0)
            pthread_join(t, NULL);
    }
    return NULL;
}

int main(void)
{
    pthread_t w[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        pthread_mutex_init(&locks[i], NULL);
        pthread_create(&w[i], NULL, worker, &locks[i]);
    }
    for (int i = 0; i < WORKERS; i++)
        pthread_join(w[i], NULL);
    return 0;
}
