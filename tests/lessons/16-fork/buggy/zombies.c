/* BUG: the statuses are read with waitid(..., WNOWAIT), which looks at a
 * child that ended without reaping it: every child stays a zombie.
 * expect: functional ordering race
 * says: forked at fork.c:26 (pids */
#include "fork.h"

#include <errno.h>
#include <signal.h>
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
        siginfo_t info = { 0 };
        waitid(P_PID, (id_t)pids[i], &info, WEXITED | WNOWAIT);
        statuses[i] = info.si_code == CLD_EXITED ? (info.si_status & 0xff) << 8
                                                  : info.si_status & 0x7f;
    }
    free(pids);
    return err;
}
