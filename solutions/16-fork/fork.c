/* fork.c - lesson 16, the reference solution: fork n children, then wait
 * for each by its own pid, in index order.
 *
 * Waiting by pid (never waitpid(-1)) is what keeps statuses in index order
 * whatever order the children end in, and what lets two threads call
 * fork_all at once: each waits for its own children only. A child that
 * has ended before its turn stays a zombie until its waitpid, which then
 * returns at once with its status.
 */
#include "fork.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Waits for pid (retrying EINTR) and returns its raw status. */
static int wait_for(pid_t pid)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return status;
}

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
            _exit(fn(started)); /* the child: never back into the caller */
        pids[started] = pid;
    }
    for (size_t i = 0; i < started; i++)
        statuses[i] = wait_for(pids[i]);
    free(pids);
    return err;
}
