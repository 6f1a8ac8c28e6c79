/* pshared_ok.c - sample for `grader stress`: the right way to share
 * synchronisation between processes: a mutex and a condition variable made
 * PTHREAD_PROCESS_SHARED and a semaphore made with sem_init(s, 1, 0), in a
 * MAP_SHARED mapping made before fork. A private mutex in the parent's own
 * memory, which the child gets a copy of, is fine too: each process locks
 * its own.
 * expect: ok */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct shared {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    sem_t done;
    int turn;
};

static pthread_mutex_t own_lock = PTHREAD_MUTEX_INITIALIZER;
static int own_count;

static void take_turns(struct shared *s, int me, int rounds)
{
    for (int i = 0; i < rounds; i++) {
        pthread_mutex_lock(&s->lock);
        while (s->turn != me)
            pthread_cond_wait(&s->changed, &s->lock);
        s->turn = 1 - me;
        pthread_cond_broadcast(&s->changed);
        pthread_mutex_unlock(&s->lock);
        pthread_mutex_lock(&own_lock);
        own_count++;
        pthread_mutex_unlock(&own_lock);
    }
}

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
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
    pthread_cond_init(&s->changed, &ca);
    sem_init(&s->done, 1, 0);
    s->turn = 0;
    pthread_mutex_lock(&own_lock);
    own_count = 0;
    pthread_mutex_unlock(&own_lock);
    pid_t child = fork();
    if (child < 0)
        return 1;
    if (child == 0) {
        take_turns(s, 1, 200);
        sem_post(&s->done);
        _exit(0);
    }
    take_turns(s, 0, 200);
    sem_wait(&s->done);
    waitpid(child, NULL, 0);
    printf("turn=%d own=%d\n", s->turn, own_count);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->changed);
    sem_destroy(&s->done);
    munmap(s, sizeof *s);
    return 0;
}
