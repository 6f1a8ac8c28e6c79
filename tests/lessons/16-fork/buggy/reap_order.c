/* BUG: statuses are stored in the order the children end (waitpid(-1)
 * takes whichever child ended first), not at each child's own index.
 * expect: ordering race */
#include "fork.h"

#include <errno.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int fork_all(size_t n, int (*fn)(size_t i), int statuses[])
{
    if (fn == NULL)
        return EINVAL;
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
    }
    for (size_t k = 0; k < started; k++) {
        int st;
        if (waitpid(-1, &st, 0) < 0)
            return errno;
        statuses[k] = st;
    }
    return err;
}
