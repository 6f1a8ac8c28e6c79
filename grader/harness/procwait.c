/* procwait.c - the hang report's other processes: what each process the
 * code under test forked is doing when the run stops making progress.
 *
 * Only the first process has a watchdog (a thread started in a forked
 * child is not safe everywhere, ThreadSanitizer's runs included), so it
 * looks at the others from outside, through /proc: every descendant of
 * this process, its state, and the system call it is blocked in
 * (/proc/PID/syscall: number and arguments). What they wait for is told
 * in the engine's words where it can be:
 *   - a futex at the address of a mutex, condition variable or semaphore
 *     the engine numbered before the fork: "waits on mutex 1";
 *   - a read on a pipe: which processes hold its write end (a process that
 *     waits for an end of file while it holds the write end itself waits
 *     for ever);
 *   - a wait for a child, a sleep; an exited process nobody reaped.
 * Two steps: procwait_look reads /proc without E.mu (its stdio and
 * directory calls allocate and free, and `grader stress`'s free is the
 * engine's, which takes E.mu); procwait_describe then names the futexes
 * under E.mu, from the engine's tables.
 */
#include "engine_int.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_PROCS 256

typedef struct proc_entry {
    pid_t pid, ppid;
    char state;
} proc_entry;

/* /proc/PID/stat's parent and state; false when the process is gone. */
static bool read_stat(pid_t pid, pid_t *ppid, char *state)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *end = strrchr(buf, ')'); /* the command may hold spaces and ')' */
    int parent = 0;
    if (!end || sscanf(end + 1, " %c %d", state, &parent) != 2)
        return false;
    *ppid = (pid_t)parent;
    return true;
}

/* Every process of the system we can see (the run's, in its PID namespace). */
static int list_procs(proc_entry *out, int max)
{
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < max) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        proc_entry p = { (pid_t)atoi(e->d_name), 0, '?' };
        if (read_stat(p.pid, &p.ppid, &p.state))
            out[n++] = p;
    }
    closedir(d);
    return n;
}

static bool descends_from(const proc_entry *all, int n, pid_t pid, pid_t root)
{
    for (int hops = 0; hops < 64 && pid > 1; hops++) {
        pid_t parent = 0;
        for (int i = 0; i < n; i++)
            if (all[i].pid == pid)
                parent = all[i].ppid;
        if (parent == root)
            return true;
        pid = parent;
    }
    return false;
}

/* The system call a process is blocked in: its number and first two
 * arguments; false when it runs or cannot be read. */
static bool blocked_in(pid_t pid, long *nr, unsigned long *a0, unsigned long *a1)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/syscall", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t k = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (k <= 0)
        return false;
    buf[k] = '\0';
    return sscanf(buf, "%ld %lx %lx", nr, a0, a1) == 3 && *nr >= 0;
}

/* "pipe:[123]" for descriptor fd of pid, or false. */
static bool fd_target(pid_t pid, int fd, char *out, size_t cap)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)pid, fd);
    ssize_t k = readlink(path, out, cap - 1);
    if (k <= 0)
        return false;
    out[k] = '\0';
    return true;
}

/* Whether descriptor fd of pid was opened for writing (/proc/PID/fdinfo). */
static bool fd_writes(pid_t pid, int fd)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/fdinfo/%d", (int)pid, fd);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    unsigned flags = 0;
    bool found = false;
    while (fgets(buf, sizeof buf, f))
        if (sscanf(buf, "flags: %o", &flags) == 1)
            found = true;
    fclose(f);
    return found && (flags & O_ACCMODE) != O_RDONLY;
}

/* Appends the processes among all[] that hold `target` open for writing. */
static void append_writers(char *buf, size_t cap, size_t *len, const proc_entry *all, int n,
                           pid_t root, pid_t reader, const char *target)
{
    int writers = 0;
    bool itself = false;
    for (int i = 0; i < n; i++) {
        pid_t p = all[i].pid;
        if (p != root && !descends_from(all, n, p, root))
            continue;
        char dir[64];
        snprintf(dir, sizeof dir, "/proc/%d/fd", (int)p);
        DIR *d = opendir(dir);
        if (!d)
            continue;
        struct dirent *e;
        bool holds = false;
        while (!holds && (e = readdir(d)) != NULL) {
            char what[64];
            int fd = atoi(e->d_name);
            holds = isdigit((unsigned char)e->d_name[0]) && fd_target(p, fd, what, sizeof what) &&
                    strcmp(what, target) == 0 && fd_writes(p, fd);
        }
        closedir(d);
        if (!holds)
            continue;
        itself |= p == reader;
        eng_appendf(buf, cap, len, "%s%s", writers++ ? ", " : " whose write end is held by ",
                    p == reader ? "that process itself" : "");
        if (p != reader)
            eng_appendf(buf, cap, len, "process %d", (int)p);
    }
    if (writers == 0)
        eng_appendf(buf, cap, len, " with no writer left");
    else if (itself)
        eng_appendf(buf, cap, len, " (an end of file cannot come while a process holds the "
                                   "write end: close the ends a process does not use)");
}

/* What the engine calls the futex at address a, if it numbered it. */
static void append_futex(char *buf, size_t cap, size_t *len, uintptr_t a)
{
    for (int i = 0; i < E.nlocks; i++) {
        uintptr_t m = (uintptr_t)E.locks[i].addr;
        if (E.locks[i].live && a >= m && a < m + sizeof(pthread_mutex_t)) {
            eng_appendf(buf, cap, len, "waits on mutex %d", i + 1);
            return;
        }
    }
    for (int i = 0; i < E.nconds; i++) {
        uintptr_t c = (uintptr_t)E.conds[i];
        if (a >= c && a < c + sizeof(pthread_cond_t)) {
            eng_appendf(buf, cap, len, "waits on condition variable %d", i + 1);
            return;
        }
    }
    int s = sem_number_at(a);
    if (s > 0)
        eng_appendf(buf, cap, len, "waits on semaphore %d", s);
    else
        eng_appendf(buf, cap, len, "waits on a futex (a lock or wait the engine did not see)");
}

/* One process, seen from /proc: what it does, in words, but for a futex
 * (named later, under E.mu). */
static void look_at(procwait_proc *out, const proc_entry *all, int n, pid_t root,
                    const proc_entry *p)
{
    size_t len = 0;
    char *buf = out->text;
    size_t cap = sizeof out->text;
    out->pid = p->pid;
    out->futex = 0;
    buf[0] = '\0';
    if (p->state == 'Z') {
        eng_appendf(buf, cap, &len, "has exited and nobody reaped it");
        return;
    }
    long nr;
    unsigned long a0, a1;
    if (!blocked_in(p->pid, &nr, &a0, &a1)) {
        eng_appendf(buf, cap, &len, "is running (computing, or spinning)");
        return;
    }
    (void)a1;
    char target[64];
    switch (nr) {
#ifdef SYS_futex
    case SYS_futex: out->futex = (uintptr_t)a0; return;
#endif
    case SYS_read:
    case SYS_readv:
#ifdef SYS_recvfrom
    case SYS_recvfrom:
    case SYS_recvmsg:
#endif
        if (fd_target(p->pid, (int)a0, target, sizeof target) && strncmp(target, "pipe:", 5) == 0) {
            eng_appendf(buf, cap, &len, "waits to read a pipe (its descriptor %d)", (int)a0);
            append_writers(buf, cap, &len, all, n, root, p->pid, target);
        } else {
            eng_appendf(buf, cap, &len, "waits to read its descriptor %d", (int)a0);
        }
        return;
    case SYS_write:
    case SYS_writev:
        eng_appendf(buf, cap, &len, "waits to write its descriptor %d (full: nobody reads it)",
                    (int)a0);
        return;
#ifdef SYS_wait4
    case SYS_wait4:
#endif
    case SYS_waitid: eng_appendf(buf, cap, &len, "waits for a child of its own"); return;
#ifdef SYS_nanosleep
    case SYS_nanosleep:
#endif
    case SYS_clock_nanosleep: eng_appendf(buf, cap, &len, "sleeps"); return;
    default: eng_appendf(buf, cap, &len, "waits in system call %ld", nr); return;
    }
}

static void procwait_look_unhidden(procwait_seen *seen)
{
    static proc_entry all[MAX_PROCS];
    pid_t root = getpid();
    int n = list_procs(all, MAX_PROCS);
    seen->n = seen->more = 0;
    for (int i = 0; i < n; i++) {
        if (!descends_from(all, n, all[i].pid, root))
            continue;
        if (seen->n == PROCWAIT_SHOWN)
            seen->more++;
        else
            look_at(&seen->p[seen->n++], all, n, root, &all[i]);
    }
}

/* Hidden from ThreadSanitizer: what it opens and reads orders nothing of
 * the student's code (tsan_hide.h). */
void procwait_look(procwait_seen *seen)
{
    eng_hide_begin();
    procwait_look_unhidden(seen);
    eng_hide_end();
}

int procwait_describe(const procwait_seen *seen, char *buf, size_t cap, size_t *len)
{
    for (int i = 0; i < seen->n; i++) {
        eng_appendf(buf, cap, len, "%sprocess %d ", i ? "; " : "", (int)seen->p[i].pid);
        if (seen->p[i].futex)
            append_futex(buf, cap, len, seen->p[i].futex);
        else
            eng_appendf(buf, cap, len, "%s", seen->p[i].text);
    }
    if (seen->more)
        eng_appendf(buf, cap, len, "; and %d more process%s", seen->more,
                    seen->more == 1 ? "" : "es");
    return seen->n + seen->more;
}
