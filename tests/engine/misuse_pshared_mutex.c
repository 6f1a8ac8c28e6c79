/* misuse_pshared_mutex.c - sample for `grader stress`: a counter and its
 * mutex in memory shared with a child process, but the mutex is made with
 * default attributes (process-private). Both processes lock it: its
 * wake-ups never cross between them, and the count can come out wrong.
 * expect: misuse */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct shared {
    pthread_mutex_t lock;
    long count;
};

static void add(struct shared *s, int n)
{
    for (int i = 0; i < n; i++) {
        pthread_mutex_lock(&s->lock); /* misuse here */
        s->count++;
        pthread_mutex_unlock(&s->lock);
    }
}

int main(void)
{
    struct shared *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                            -1, 0);
    if (s == MAP_FAILED)
        return 1;
    pthread_mutex_init(&s->lock, NULL);
    s->count = 0;
    pid_t child = fork();
    if (child < 0)
        return 1;
    if (child == 0) {
        add(s, 1000);
        _exit(0);
    }
    add(s, 1000);
    waitpid(child, NULL, 0);
    printf("count=%ld\n", s->count);
    munmap(s, sizeof *s);
    return 0;
}
