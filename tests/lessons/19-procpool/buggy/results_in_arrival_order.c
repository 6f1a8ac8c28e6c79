/* BUG: every worker writes its results to one shared pipe, and the parent
 * stores them in the order they arrive (out[got++]), not at their items'
 * indexes: when the first item is the slowest, its result lands late.
 * expect: ordering
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
    if (n == 0)
        return 0;
    size_t w_count = workers < n ? workers : n;
    pid_t *pids = malloc(w_count * sizeof *pids);
    int p[2];
    if (!pids || pipe(p) != 0) {
        free(pids);
        return ENOMEM;
    }
    size_t started = 0;
    for (; started < w_count; started++) {
        pid_t pid = fork();
        if (pid < 0)
            break;
        if (pid == 0) {
            close(p[0]);
            for (size_t i = started; i < n; i += w_count) {
                long v = fn(in[i]);
                if (write(p[1], &v, sizeof v) != sizeof v)
                    _exit(1);
            }
            _exit(0);
        }
        pids[started] = pid;
    }
    close(p[1]);
    size_t got = 0;
    long v;
    while (got < n && read(p[0], &v, sizeof v) == sizeof v)
        out[got++] = v; /* BUG: arrival order, not the item's index */
    close(p[0]);
    int err = got == n && started == w_count ? 0 : ECHILD;
    for (size_t w = 0; w < started; w++) {
        int st;
        if (err)
            kill(pids[w], SIGKILL);
        if (waitpid(pids[w], &st, 0) == pids[w] && (!WIFEXITED(st) || WEXITSTATUS(st) != 0))
            err = ECHILD;
    }
    free(pids);
    return err;
}
