/* misuse_pshared_sem.c - sample for `grader stress`: a parent hands items to
 * its child through a semaphore in shared memory, made with sem_init(s, 0,
 * 0): a process-private semaphore. The child's wait may never see the
 * parent's posts (here the first comes before the fork, so the child's
 * wait is always the second process's use).
 * expect: misuse */
#define _GNU_SOURCE
#include <semaphore.h>
#include <stdio.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct shared {
    sem_t ready;
    int item;
};

int main(void)
{
    struct shared *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                            -1, 0);
    if (s == MAP_FAILED)
        return 1;
    sem_init(&s->ready, 0, 0);
    s->item = 42;
    sem_post(&s->ready);
    pid_t child = fork();
    if (child < 0)
        return 1;
    if (child == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        sem_timedwait(&s->ready, &ts); /* misuse here */
        _exit(0);
    }
    waitpid(child, NULL, 0);
    printf("item=%d\n", s->item);
    return 0;
}
