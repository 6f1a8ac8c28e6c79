/* BUG: forks a new process for every item (a process per item is not a
 * pool: the workers must be forked once and reused).
 * expect: functional
 */
#include "procpool.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int procpool_map(size_t workers, long (*fn)(long), const long in[], long out[], size_t n)
{
    if (workers == 0)
        return EINVAL;
    int err = 0;
    for (size_t i = 0; i < n; i++) {
        int p[2];
        if (pipe(p) != 0)
            return errno;
        pid_t pid = fork();
        if (pid < 0) {
            close(p[0]);
            close(p[1]);
            return errno;
        }
        if (pid == 0) {
            close(p[0]);
            long v = fn(in[i]);
            _exit(write(p[1], &v, sizeof v) == sizeof v ? 0 : 1);
        }
        close(p[1]);
        if (read(p[0], &out[i], sizeof out[i]) != sizeof out[i])
            err = ECHILD;
        close(p[0]);
        int st;
        waitpid(pid, &st, 0);
        if (err)
            return err;
    }
    return 0;
}
