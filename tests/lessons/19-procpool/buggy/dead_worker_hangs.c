/* BUG: hands out items one at a time (each worker has its own task pipe;
 * all send their results on one shared pipe) and waits for the next result
 * with a plain read. When a worker dies its result never comes, and the
 * other workers, waiting for tasks, keep the shared pipe open: the map
 * hangs instead of returning ECHILD.
 * expect: deadlock
 */
#include "procpool.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct result {
    long worker, index, value;
} result;

int procpool_map(size_t workers, long (*fn)(long), const long in[], long out[], size_t n)
{
    if (workers == 0)
        return EINVAL;
    if (n == 0)
        return 0;
    size_t w_count = workers < n ? workers : n;
    pid_t *pids = malloc(w_count * sizeof *pids);
    int *tasks = malloc(w_count * sizeof *tasks);
    int res[2];
    if (!pids || !tasks || pipe(res) != 0) {
        free(pids);
        free(tasks);
        return ENOMEM;
    }
    size_t started = 0;
    for (; started < w_count; started++) {
        int t[2];
        if (pipe(t) != 0)
            break;
        pid_t pid = fork();
        if (pid == 0) {
            close(t[1]);
            close(res[0]);
            long i;
            while (read(t[0], &i, sizeof i) == sizeof i) {
                result r = { (long)started, i, fn(in[i]) };
                if (write(res[1], &r, sizeof r) != sizeof r)
                    _exit(1);
            }
            _exit(0);
        }
        close(t[0]);
        pids[started] = pid;
        tasks[started] = t[1];
    }
    close(res[1]);
    size_t sent = 0, got = 0;
    for (size_t w = 0; w < started && sent < n; w++, sent++)
        if (write(tasks[w], &(long){ (long)sent }, sizeof(long)) != sizeof(long))
            break;
    int err = 0;
    while (got < n) {
        result r;
        if (read(res[0], &r, sizeof r) != sizeof r) { /* BUG: comes only when all workers end */
            err = EIO;
            break;
        }
        out[r.index] = r.value;
        got++;
        if (sent < n && write(tasks[r.worker], &(long){ (long)sent }, sizeof(long)) == sizeof(long))
            sent++; /* the next item to the worker that answered */
    }
    for (size_t w = 0; w < started; w++)
        close(tasks[w]);
    close(res[0]);
    for (size_t w = 0; w < started; w++) {
        int st;
        waitpid(pids[w], &st, 0);
    }
    free(pids);
    free(tasks);
    return err;
}
