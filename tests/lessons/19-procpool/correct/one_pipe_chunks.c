/* procpool.c - lesson 19, a correct alternative: contiguous chunks, one
 * shared result pipe, records tagged with their index.
 *
 * Worker w runs the items [w*n/W, (w+1)*n/W). Every worker writes
 * (index, value) records to one pipe; a record is far smaller than
 * PIPE_BUF, so writes of several workers never mix. The parent stores
 * each record at its index, whatever order they come in, and reads until
 * the end of file, which comes once every worker has ended (the parent
 * closed its own write end): fewer than n records means a worker died,
 * ECHILD. waitid reaps each worker and says how it ended.
 */
#include "procpool.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct record {
    size_t index;
    long value;
} record;

static void worker(int fd, long (*fn)(long), const long in[], size_t lo, size_t hi)
{
    for (size_t i = lo; i < hi; i++) {
        record r = { i, fn(in[i]) };
        ssize_t k;
        while ((k = write(fd, &r, sizeof r)) < 0 && errno == EINTR)
            ;
        if (k != (ssize_t)sizeof r)
            _exit(1);
    }
    _exit(0);
}

int procpool_map(size_t workers, long (*fn)(long), const long in[], long out[], size_t n)
{
    if (workers == 0 || (n > 0 && (fn == NULL || in == NULL || out == NULL)))
        return EINVAL;
    if (n == 0)
        return 0;
    size_t count = workers < n ? workers : n;
    pid_t *pids = malloc(count * sizeof *pids);
    int fd[2];
    if (!pids)
        return ENOMEM;
    if (pipe(fd) != 0) {
        int e = errno;
        free(pids);
        return e;
    }
    int err = 0;
    size_t started = 0;
    for (; started < count; started++) {
        pid_t pid = fork();
        if (pid < 0) {
            err = errno;
            break;
        }
        if (pid == 0) {
            close(fd[0]);
            worker(fd[1], fn, in, started * n / count, (started + 1) * n / count);
        }
        pids[started] = pid;
    }
    close(fd[1]);
    size_t got = 0;
    record r;
    size_t have = 0; /* bytes of r read so far */
    while (err == 0) {
        ssize_t k = read(fd[0], (char *)&r + have, sizeof r - have);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        have += (size_t)k;
        if (have < sizeof r)
            continue;
        have = 0;
        if (r.index < n) {
            out[r.index] = r.value;
            got++;
        }
    }
    if (err == 0 && got != n)
        err = ECHILD;
    for (size_t w = 0; w < started; w++) {
        if (err)
            kill(pids[w], SIGKILL);
        siginfo_t info;
        while (waitid(P_PID, (id_t)pids[w], &info, WEXITED) != 0 && errno == EINTR)
            ;
        if (err == 0 && (info.si_code != CLD_EXITED || info.si_status != 0))
            err = ECHILD;
    }
    close(fd[0]);
    free(pids);
    return err;
}
