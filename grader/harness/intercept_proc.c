/* intercept_proc.c - the student's fork, and the tests' look at the
 * processes it made.
 *
 * intercept.syms renames the student's fork and vfork to grader_fork and
 * grader_vfork (a vfork is made a fork: the engine's wrappers and the
 * tests' code must not run in a child that shares the parent's memory).
 * remote_fail_fork(k, err) makes the (k+1)-th fork from now, and every
 * later one, fail with err, as a system out of processes does half-way: a
 * test chooses k from its seed, so "a later fork fails after some children
 * started" happens in every run, the same in a replay.
 *
 * remote_children_look() reads /proc (the subject has a PID namespace of
 * its own; without one the host's /proc says the same) for the processes
 * whose parent is this process: how many there are and how many of them
 * are zombies (exited, never reaped). It only looks: nothing is reaped.
 * remote_children_reap() then ends them (SIGKILL to those still running)
 * and reaps them all, so one test's leftovers never reach the next check.
 * No engine state: built and tested on its own (tests/engine/proc/).
 */
#include "remote.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

pid_t grader_fork(void);
pid_t grader_vfork(void);

static atomic_int fail_countdown = -1; /* forks left before failing; -1: never */
static atomic_int fail_errno;

void remote_fail_fork(int k, int err)
{
    atomic_store(&fail_errno, err);
    atomic_store(&fail_countdown, k < 0 ? -1 : k);
}

/* True when this fork must fail: the countdown reached 0 (and stays there). */
static bool fork_fails(void)
{
    int left = atomic_load(&fail_countdown);
    while (left > 0)
        if (atomic_compare_exchange_weak(&fail_countdown, &left, left - 1))
            return false;
    return left == 0;
}

pid_t grader_fork(void)
{
    if (fork_fails()) {
        errno = atomic_load(&fail_errno);
        return -1;
    }
    return fork();
}

pid_t grader_vfork(void) { return grader_fork(); }

/* The parent and state of process `pid` from /proc/PID/stat; false when it
 * is gone. The command name may hold spaces and ')': parse after the last. */
static bool proc_stat(const char *pid, pid_t *ppid, char *state)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    char *end = strrchr(buf, ')');
    int parent = 0;
    if (!end || sscanf(end + 1, " %c %d", state, &parent) != 2)
        return false;
    *ppid = (pid_t)parent;
    return true;
}

/* Calls each(pid, state, arg) for every child of this process. */
static void for_each_child(void (*each)(pid_t pid, char state, void *arg), void *arg)
{
    DIR *d = opendir("/proc");
    if (!d)
        return;
    pid_t me = getpid();
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        pid_t ppid;
        char state;
        if (!isdigit((unsigned char)e->d_name[0]) || !proc_stat(e->d_name, &ppid, &state))
            continue;
        if (ppid == me)
            each((pid_t)atoi(e->d_name), state, arg);
    }
    closedir(d);
}

static void count_child(pid_t pid, char state, void *arg)
{
    remote_children *c = arg;
    (void)pid;
    c->children++;
    if (state == 'Z')
        c->zombies++;
}

remote_children remote_children_look(void)
{
    remote_children c = { 0, 0 };
    for_each_child(count_child, &c);
    return c;
}

static void kill_child(pid_t pid, char state, void *arg)
{
    (void)arg;
    if (state != 'Z')
        kill(pid, SIGKILL);
}

unsigned remote_children_reap(void)
{
    for_each_child(kill_child, NULL);
    unsigned reaped = 0;
    int st;
    while (waitpid(-1, &st, __WALL) > 0)
        reaped++;
    return reaped;
}
