/* pipe_hang.c - sample for `grader stress`: a parent hands lines to a
 * child through a pipe and waits for it. The child reads to the end of
 * the stream, but never closed its own copy of the write end after the
 * fork: the end never comes, and the parent waits for ever. A second
 * child waits on a process-shared semaphore nobody posts. The hang report
 * names what each process waits for, seen from the first one.
 * expect: timeout */
#define _GNU_SOURCE
#include <semaphore.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    sem_t *never = mmap(NULL, sizeof *never, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                        -1, 0);
    if (never == MAP_FAILED || sem_init(never, 1, 0) != 0)
        return 1;
    int p[2];
    if (pipe(p) != 0)
        return 1;
    pid_t reader = fork();
    if (reader == 0) {
        char buf[64];
        long total = 0;
        ssize_t n;
        while ((n = read(p[0], buf, sizeof buf)) > 0) /* p[1] still open here */
            total += n;
        _exit(total > 0 ? 0 : 1);
    }
    pid_t waiter = fork();
    if (waiter == 0) {
        close(p[0]);
        close(p[1]);
        sem_wait(never);
        _exit(0);
    }
    close(p[0]);
    if (write(p[1], "hello\n", 6) != 6)
        return 1;
    close(p[1]);
    waitpid(reader, NULL, 0);
    waitpid(waiter, NULL, 0);
    return 0;
}
