/* procpool.c - lesson 19, a correct alternative: a task queue and the
 * results in shared memory, no pipes.
 *
 * One anonymous shared mapping holds the next item's index (an atomic
 * counter: the queue) and a slot per result. Each worker takes the next
 * index until none is left, so a fast worker takes more items than a slow
 * one. The parent waits for every worker: a worker that did not exit with
 * 0 (a crash) is ECHILD; the others still end on their own, since the
 * queue runs out, so nothing hangs.
 */
#include "procpool.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct shared {
    atomic_size_t next; /* the queue: the next item to take */
    long out[];
} shared;

int procpool_map(size_t workers, long (*fn)(long), const long in[], long out[], size_t n)
{
    if (workers == 0 || (n > 0 && (fn == NULL || in == NULL || out == NULL)))
        return EINVAL;
    if (n == 0)
        return 0;
    size_t size = sizeof(shared) + n * sizeof(long);
    shared *sh = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED)
        return errno;
    atomic_init(&sh->next, 0);
    size_t count = workers < n ? workers : n;
    pid_t *pids = calloc(count, sizeof *pids);
    if (!pids) {
        munmap(sh, size);
        return ENOMEM;
    }
    int err = 0;
    size_t started = 0;
    while (started < count) {
        pid_t pid = fork();
        if (pid < 0) {
            err = errno;
            break;
        }
        if (pid == 0) {
            size_t i;
            while ((i = atomic_fetch_add(&sh->next, 1)) < n)
                sh->out[i] = fn(in[i]);
            _exit(0);
        }
        pids[started++] = pid;
    }
    if (err)
        for (size_t w = 0; w < started; w++)
            kill(pids[w], SIGKILL);
    for (size_t w = 0; w < started; w++) {
        int st;
        pid_t got;
        while ((got = waitpid(pids[w], &st, 0)) < 0 && errno == EINTR)
            ;
        if (err == 0 && (got < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0))
            err = ECHILD;
    }
    if (err == 0)
        memcpy(out, sh->out, n * sizeof(long));
    free(pids);
    munmap(sh, size);
    return err;
}
