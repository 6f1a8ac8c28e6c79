/* BUG: waitpid(-1) reaps any child of the process, a child of another
 * fork_all call in another thread too: that call loses its child's status
 * (it is dropped here) and then finds no child left to wait for (ECHILD).
 * expect: race
 * says: reaped a child your process already had */
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
    size_t left = started;
    while (left > 0) {
        int st;
        pid_t pid = waitpid(-1, &st, 0);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            err = errno;
            break;
        }
        for (size_t i = 0; i < started; i++)
            if (pids[i] == pid) {
                statuses[i] = st;
                left--;
            }
    }
    free(pids);
    return err;
}
