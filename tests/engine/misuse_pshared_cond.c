/* misuse_pshared_cond.c - sample for `grader stress`: a parent waits for
 * its child's "started" through shared memory. The mutex is made
 * PTHREAD_PROCESS_SHARED, but the condition variable is not: the child's
 * broadcast may never wake the parent.
 * expect: misuse */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct shared {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int started;
};

int main(void)
{
    struct shared *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                            -1, 0);
    if (s == MAP_FAILED)
        return 1;
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&s->lock, &ma);
    pthread_cond_init(&s->changed, NULL);
    s->started = 0;
    pthread_cond_broadcast(&s->changed); /* nobody waits yet */
    pid_t child = fork();
    if (child < 0)
        return 1;
    if (child == 0) {
        pthread_mutex_lock(&s->lock);
        s->started = 1;
        pthread_cond_broadcast(&s->changed); /* misuse here */
        pthread_mutex_unlock(&s->lock);
        _exit(0);
    }
    pthread_mutex_lock(&s->lock);
    while (!s->started) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&s->changed, &s->lock, &ts);
    }
    pthread_mutex_unlock(&s->lock);
    waitpid(child, NULL, 0);
    printf("started=%d\n", s->started);
    return 0;
}
