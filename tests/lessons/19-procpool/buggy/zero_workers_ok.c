/* BUG: workers == 0 is taken as one worker instead of EINVAL.
 * expect: functional
 */
#include "procpool.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Writes all of buf, retrying short writes and EINTR. */
static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t k = write(fd, p, len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        len -= (size_t)k;
    }
    return 0;
}

/* Reads all of buf; -1 at end of file or error before it is full. */
static int read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        ssize_t k = read(fd, p, len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        len -= (size_t)k;
    }
    return 0;
}

/* The worker: items w, w + step, ...; never returns. */
static void work(int fd, long (*fn)(long), const long in[], size_t n, size_t w, size_t step)
{
    for (size_t i = w; i < n; i += step) {
        long v = fn(in[i]);
        if (write_all(fd, &v, sizeof v) != 0)
            _exit(1);
    }
    _exit(0);
}

/* Waits for pid (retrying EINTR); its raw status, or -1. */
static int reap(pid_t pid)
{
    int st = 0;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return st;
}

int procpool_map(size_t workers, long (*fn)(long), const long in[], long out[], size_t n)
{
    if (workers == 0)
        workers = 1; /* BUG */
    if ((n > 0 && (fn == NULL || in == NULL || out == NULL)))
        return EINVAL;
    if (n == 0)
        return 0;
    size_t w_count = workers < n ? workers : n;
    pid_t *pids = malloc(w_count * sizeof *pids);
    int *fds = malloc(w_count * sizeof *fds);
    if (!pids || !fds) {
        free(pids);
        free(fds);
        return ENOMEM;
    }
    size_t started = 0;
    int err = 0;
    for (; started < w_count; started++) {
        int p[2];
        if (pipe(p) != 0) {
            err = errno;
            break;
        }
        pid_t pid = fork();
        if (pid < 0) {
            err = errno;
            close(p[0]);
            close(p[1]);
            break;
        }
        if (pid == 0) {
            close(p[0]);
            for (size_t k = 0; k < started; k++)
                close(fds[k]);
            work(p[1], fn, in, n, started, w_count);
        }
        close(p[1]); /* the worker holds the only write end */
        pids[started] = pid;
        fds[started] = p[0];
    }
    for (size_t w = 0; w < started && err == 0; w++)
        for (size_t i = w; i < n; i += w_count)
            if (read_all(fds[w], &out[i], sizeof out[i]) != 0) {
                err = ECHILD; /* the worker died before sending it */
                break;
            }
    for (size_t w = 0; w < started; w++) {
        if (err)
            kill(pids[w], SIGKILL);
        close(fds[w]);
    }
    for (size_t w = 0; w < started; w++) {
        int st = reap(pids[w]);
        if (err == 0 && (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0))
            err = ECHILD;
    }
    free(pids);
    free(fds);
    return err;
}
