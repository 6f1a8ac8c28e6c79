/* BUG: a child killed by a signal is stored as an exit with 128 + the
 * signal (the shell's way of showing it): the status no longer says it
 * was a signal (WIFSIGNALED is false).
 * expect: functional */
#include "fork.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int fork_all(size_t n, int (*fn)(size_t i), int statuses[])
{
    if (fn == NULL)
        return EINVAL;
    if (n == 0)
        return 0;
    pid_t *pids = malloc(n * sizeof *pids);
    if (pids == NULL)
        return ENOMEM;
    size_t started = 0;
    int err = 0;
    for (; started < n; started++) {
        pid_t pid = fork();
        if (pid < 0) {
            err = errno;
            break;
        }
        if (pid == 0)
            _exit(fn(started));
        pids[started] = pid;
    }
    for (size_t i = 0; i < started; i++) {
        int st = 0;
        waitpid(pids[i], &st, 0);
        statuses[i] = WIFSIGNALED(st) ? (128 + WTERMSIG(st)) << 8 : st;
    }
    free(pids);
    return err;
}
