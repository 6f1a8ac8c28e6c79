/* Correct, written differently: children are reaped in whatever order they
 * end, but only this call's own: each round asks each pid still running
 * with waitpid(pid, WNOHANG) and stores the status at that pid's index in
 * the call's table; between rounds it sleeps 1 ms. */
#include "fork.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct child {
    pid_t pid;
    int done;
} child;

/* One round: reaps the children of the table that have ended. */
static size_t reap_ended(child *kids, size_t count, int statuses[])
{
    size_t reaped = 0;
    for (size_t i = 0; i < count; i++) {
        if (kids[i].done)
            continue;
        int st = 0;
        pid_t got = waitpid(kids[i].pid, &st, WNOHANG);
        if (got == kids[i].pid) {
            statuses[i] = st;
            kids[i].done = 1;
            reaped++;
        }
    }
    return reaped;
}

int fork_all(size_t n, int (*fn)(size_t i), int statuses[])
{
    if (!fn)
        return EINVAL;
    if (!n)
        return 0;
    child *kids = calloc(n, sizeof *kids);
    if (!kids)
        return ENOMEM;
    size_t count = 0;
    int err = 0;
    while (count < n) {
        pid_t pid = fork();
        if (pid == -1) {
            err = errno;
            break;
        }
        if (pid == 0)
            _exit(fn(count));
        kids[count++].pid = pid;
    }
    struct timespec ms = { 0, 1000000 };
    for (size_t left = count; left > 0;) {
        left -= reap_ended(kids, count, statuses);
        if (left)
            nanosleep(&ms, NULL);
    }
    free(kids);
    return err;
}
