/* memwatch.c - the memory bound of runs that have no memory cgroup (an
 * ordinary user, GRADER_SANDBOX=plain, a container without controllers).
 *
 * RLIMIT_AS bounds one process's address space, but ThreadSanitizer runs
 * cannot have it (TSan reserves terabytes), and it never bounded a tree of
 * processes. So the waiting parent sums the resident memory of every
 * process of the run (tree.c) a few times a second and kills the run at
 * the limit. A spike shorter than a poll is caught at the end by the peak
 * resident size wait4 reports (sandbox.c).
 */
#include "internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Resident bytes of one process (its threads share them), 0 when gone. */
static size_t resident_bytes(pid_t pid)
{
    char path[64], buf[128];
    snprintf(path, sizeof path, "/proc/%ld/statm", (long)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    unsigned long size, resident;
    if (sscanf(buf, "%lu %lu", &size, &resident) != 2)
        return 0;
    return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

size_t sbx_tree_resident_bytes(pid_t root)
{
    size_t n, total = 0;
    pid_t *pids = sbx_tree_pids(root, &n);
    for (size_t i = 0; i < n; i++)
        total += resident_bytes(pids[i]);
    free(pids);
    return total;
}
