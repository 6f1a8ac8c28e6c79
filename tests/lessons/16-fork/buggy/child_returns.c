/* BUG: the child returns fn's value instead of ending: it comes back out
 * of fork_all and runs the caller's code as a second copy of the caller.
 * expect: functional race */
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
        if (pid == 0) {
            free(pids);
            return fn(started);
        }
        pids[started] = pid;
    }
    for (size_t i = 0; i < started; i++)
        waitpid(pids[i], &statuses[i], 0);
    free(pids);
    return err;
}
