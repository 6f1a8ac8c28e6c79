/* tree.c - the processes of one run: the command's descendants (in
 * namespaces everything lands under init) plus its process group (plain
 * mode). A child that both leaves the group and is orphaned escapes it:
 * plain mode's known limit. What the parent watches while a run goes on
 * (memwatch.c: memory; rundelay.c: time the machine kept it waiting) is
 * summed over these.
 */
#include "internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct proc_entry {
    pid_t pid, ppid, pgid;
    bool in_run;
} proc_entry;

/* Reads "PID (COMM) S PPID PGRP ..." of /proc/PID/stat. COMM may hold
 * spaces and parentheses: the fields start after the last ')'. */
static bool read_stat(pid_t pid, proc_entry *e)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    char *close_paren = strrchr(buf, ')');
    long ppid, pgid;
    char state;
    if (!close_paren || sscanf(close_paren + 1, " %c %ld %ld", &state, &ppid, &pgid) != 3)
        return false;
    e->pid = pid;
    e->ppid = (pid_t)ppid;
    e->pgid = (pid_t)pgid;
    e->in_run = false;
    return true;
}

static int by_pid(const void *a, const void *b)
{
    pid_t x = ((const proc_entry *)a)->pid, y = ((const proc_entry *)b)->pid;
    return (x > y) - (x < y);
}

pid_t *sbx_tree_pids(pid_t root, size_t *count)
{
    *count = 0;
    DIR *d = opendir("/proc");
    if (!d)
        return NULL;
    size_t n = 0, cap = 256;
    proc_entry *all = malloc(cap * sizeof *all);
    struct dirent *de;
    while (all && (de = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        if (n == cap) {
            proc_entry *more = realloc(all, 2 * cap * sizeof *all);
            if (!more)
                break;
            all = more;
            cap *= 2;
        }
        if (read_stat((pid_t)pid, &all[n]))
            n++;
    }
    closedir(d);
    if (!all)
        return NULL;
    qsort(all, n, sizeof *all, by_pid);
    for (size_t i = 0; i < n; i++)
        all[i].in_run = all[i].pid == root || all[i].pgid == root;
    /* Descendants: mark children of marked processes until nothing changes
     * (a pass per generation; trees are shallow). */
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t i = 0; i < n; i++) {
            if (all[i].in_run)
                continue;
            proc_entry key = { .pid = all[i].ppid };
            proc_entry *parent = bsearch(&key, all, n, sizeof *all, by_pid);
            if (parent && parent->in_run) {
                all[i].in_run = true;
                changed = true;
            }
        }
    }
    /* In place: the run's pids at the front (a pid_t fits in an entry). */
    pid_t *pids = (pid_t *)all;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (all[i].in_run)
            pids[k++] = all[i].pid;
    *count = k;
    return pids;
}
