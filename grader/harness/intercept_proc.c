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
 *
 * The student's wait, waitpid, waitid, wait3 and wait4 are wrapped too, to
 * keep a book of its children (remote_procs_read): forks made, children
 * alive (forked, not yet reaped), the most alive at once, and each reaped
 * child's CPU time from the kernel's rusage (every wait goes through wait4
 * or the waitid system call, which give it). A pool or a parallel split is
 * then graded by counts that no schedule changes, never by a clock.
 * No engine state: built and tested on its own (tests/engine/proc/).
 */
#include "tsan_hide.h"
#include "remote.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

pid_t grader_fork(void);
pid_t grader_vfork(void);
pid_t grader_wait(int *status);
pid_t grader_waitpid(pid_t pid, int *status, int options);
pid_t grader_wait3(int *status, int options, struct rusage *ru);
pid_t grader_wait4(pid_t pid, int *status, int options, struct rusage *ru);
int grader_waitid(idtype_t idtype, id_t id, siginfo_t *info, int options);

/* The book of the student's children, under a spin lock (a child made by
 * fork while another thread held it starts with a fresh book). */
#define BOOK_PIDS 1024
static struct {
    atomic_flag lock;
    pid_t alive[BOOK_PIDS]; /* the student's children not yet reaped */
    uintptr_t site[BOOK_PIDS]; /* the return address of each one's fork */
    remote_procs n;
} book = { .lock = ATOMIC_FLAG_INIT };

static void book_lock(void)
{
    while (atomic_flag_test_and_set_explicit(&book.lock, memory_order_acquire))
        ;
}

static void book_unlock(void) { atomic_flag_clear_explicit(&book.lock, memory_order_release); }

static void book_forked(pid_t pid, uintptr_t site)
{
    book_lock();
    book.n.forks++;
    if (book.n.alive < BOOK_PIDS) {
        book.site[book.n.alive] = site;
        book.alive[book.n.alive++] = pid;
    }
    if (book.n.alive > book.n.alive_max)
        book.n.alive_max = book.n.alive;
    book_unlock();
}

/* pid was reaped (by the student's code when cpu_us is not NULL). Only the
 * student's own children count. */
static void book_reaped(pid_t pid, const uint64_t *cpu_us)
{
    book_lock();
    for (uint32_t i = 0; i < book.n.alive; i++) {
        if (book.alive[i] != pid)
            continue;
        book.n.alive--;
        book.alive[i] = book.alive[book.n.alive];
        book.site[i] = book.site[book.n.alive];
        if (cpu_us) {
            if (book.n.reaped == 0 || *cpu_us < book.n.cpu_us_min)
                book.n.cpu_us_min = *cpu_us;
            if (*cpu_us > book.n.cpu_us_max)
                book.n.cpu_us_max = *cpu_us;
            book.n.cpu_us_total += *cpu_us;
            book.n.reaped++;
        }
        break;
    }
    book_unlock();
}

void remote_procs_reset(void)
{
    book_lock();
    uint32_t alive = book.n.alive;
    book.n = (remote_procs){ .alive = alive, .alive_max = alive };
    book_unlock();
}

remote_procs remote_procs_read(void)
{
    book_lock();
    remote_procs n = book.n;
    book_unlock();
    return n;
}

static uint64_t cpu_us_of(const struct rusage *ru)
{
    return (uint64_t)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000000u +
           (uint64_t)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec);
}

pid_t grader_wait4(pid_t pid, int *status, int options, struct rusage *ru)
{
    struct rusage mine;
    int st = 0;
    pid_t got = wait4(pid, &st, options, &mine);
    if (got > 0 && (WIFEXITED(st) || WIFSIGNALED(st))) {
        uint64_t cpu = cpu_us_of(&mine);
        book_reaped(got, &cpu);
    }
    if (got > 0 && status)
        *status = st;
    if (got > 0 && ru)
        *ru = mine;
    return got;
}

pid_t grader_wait(int *status) { return grader_wait4(-1, status, 0, NULL); }
pid_t grader_waitpid(pid_t pid, int *status, int options)
{
    return grader_wait4(pid, status, options, NULL);
}
pid_t grader_wait3(int *status, int options, struct rusage *ru)
{
    return grader_wait4(-1, status, options, ru);
}

/* The system call itself: it gives the reaped child's rusage, glibc's
 * waitid does not. */
int grader_waitid(idtype_t idtype, id_t id, siginfo_t *info, int options)
{
    siginfo_t mine;
    struct rusage ru;
    memset(&mine, 0, sizeof mine);
    long rc = syscall(SYS_waitid, (int)idtype, id, &mine, options, &ru);
    if (rc != 0)
        return -1;
    bool ended = mine.si_code == CLD_EXITED || mine.si_code == CLD_KILLED ||
                 mine.si_code == CLD_DUMPED;
    if (mine.si_pid > 0 && ended && !(options & WNOWAIT)) {
        uint64_t cpu = cpu_us_of(&ru);
        book_reaped(mine.si_pid, &cpu);
    }
    if (info)
        *info = mine;
    return 0;
}

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

/* A fork of the student's, called at `site`. */
static pid_t fork_from(uintptr_t site)
{
    if (fork_fails()) {
        errno = atomic_load(&fail_errno);
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) { /* the child: no children yet, and nobody holds its book */
        atomic_flag_clear(&book.lock);
        memset(&book.n, 0, sizeof book.n);
    } else if (pid > 0) {
        book_forked(pid, site);
    }
    return pid;
}

pid_t grader_fork(void) { return fork_from((uintptr_t)__builtin_return_address(0)); }
pid_t grader_vfork(void) { return fork_from((uintptr_t)__builtin_return_address(0)); }

/* The parent and state of process `pid` from /proc/PID/stat; false when it
 * is gone. The command name may hold spaces and ')': parse after the last. */
static bool proc_stat_unhidden(const char *pid, pid_t *ppid, char *state)
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

/* Hidden from ThreadSanitizer: what it opens and reads orders nothing of
 * the student's code (tsan_hide.h). */
static bool proc_stat(const char *pid, pid_t *ppid, char *state)
{
    tsan_hide_begin();
    bool r = proc_stat_unhidden(pid, ppid, state);
    tsan_hide_end();
    return r;
}

/* Calls each(pid, state, arg) for every child of this process. */
static void for_each_child_unhidden(void (*each)(pid_t pid, char state, void *arg), void *arg)
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

/* Hidden from ThreadSanitizer: what it opens and reads orders nothing of
 * the student's code (tsan_hide.h). */
static void for_each_child(void (*each)(pid_t pid, char state, void *arg), void *arg)
{
    tsan_hide_begin();
    for_each_child_unhidden(each, arg);
    tsan_hide_end();
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

size_t remote_children_where(remote_child_where *out, size_t max)
{
    book_lock();
    size_t n = book.n.alive;
    for (size_t i = 0; i < n && i < max; i++)
        out[i] = (remote_child_where){ book.alive[i], '?', book.site[i] };
    book_unlock();
    for (size_t i = 0; i < n && i < max; i++) {
        char pid[16];
        pid_t ppid;
        snprintf(pid, sizeof pid, "%d", (int)out[i].pid);
        if (!proc_stat(pid, &ppid, &out[i].state) || ppid != getpid())
            out[i].state = '?';
    }
    return n;
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
    pid_t pid;
    while ((pid = waitpid(-1, &st, __WALL)) > 0) {
        book_reaped(pid, NULL);
        reaped++;
    }
    book_lock(); /* none left: forget any reaped behind the wrappers' back */
    book.n.alive = 0;
    book_unlock();
    return reaped;
}
