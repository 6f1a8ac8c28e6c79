/* BUG: a NULL fn is not refused: every child calls NULL and crashes,
 * and fork_all returns 0.
 * expect: functional */
#include "fork.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int fork_all(size_t n, int (*fn)(size_t i), int statuses[])
{
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
    for (size_t i = 0; i < started; i++)
        waitpid(pids[i], &statuses[i], 0);
    free(pids);
    return err;
}
