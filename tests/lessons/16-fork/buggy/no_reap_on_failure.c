/* BUG: when a fork fails, fork_all returns at once: the children already
 * started are never waited for (zombies, statuses not stored).
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
    for (size_t i = 0; i < n; i++) {
        pids[i] = fork();
        if (pids[i] < 0) {
            int err = errno;
            free(pids);
            return err;
        }
        if (pids[i] == 0)
            _exit(fn(i));
    }
    for (size_t i = 0; i < n; i++)
        waitpid(pids[i], &statuses[i], 0);
    free(pids);
    return 0;
}
