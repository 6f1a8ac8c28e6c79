/* test_remote.c - carries lesson 16's API from the tests to your fork.c.
 *
 * The tests run in a process of their own (the judge); your code runs in
 * another (the subject). A function cannot travel between processes, so
 * the tests pick the children's function from a small table of the
 * grader's own (test_support.h's CHILD_* kinds); the do_ function below
 * calls your fork_all with it and brings back fork_all's return value and
 * the raw statuses, as they are: the tests judge them. Around the call it
 * also watches what a child must never do: it leaves a few bytes unflushed
 * in a stdio stream on a pipe before the call and flushes them once after
 * (a child that ended with exit() flushed them too: they come more than
 * once), and a child that came back out of fork_all is stopped at once and
 * counted. You never need to read or change this file.
 */
#include "remote.h"
#include "fork.h"
#include "test_support.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { F_FORK_ALL, F_LOOK, F_REAP, F_OTHER_CHILD, F_OTHER_CHILD_END };
REMOTE_NAMES("fork_all", "the test's look at your process's children",
             "the test's clean-up of your process's children",
             "the test's own child of your process", "the test's wait for its own child");

#ifdef REMOTE_JUDGE
int fork_run(size_t n, int kind, uint64_t seed, int fail_at, int statuses[], fork_report *report)
{
    static _Thread_local unsigned char trip[sizeof(fork_report) + MAX_CHILDREN * sizeof(int32_t)];
    if (n > MAX_CHILDREN)
        ck_abort_msg("the tests ask for at most %d children", MAX_CHILDREN);
    size_t len = 0;
    uint64_t args[4] = { n, (uint64_t)kind, seed, (uint64_t)(int64_t)fail_at };
    remote_call_bytes(F_FORK_ALL, 4, args, NULL, 0, trip, sizeof trip, &len);
    /* What came is the subject's word: every length is checked before use. */
    if (len != sizeof(fork_report) + n * sizeof(int32_t))
        ck_abort_msg("fork_all's answer did not come back whole");
    memcpy(report, trip, sizeof *report);
    for (size_t i = 0; i < n; i++) {
        int32_t st;
        memcpy(&st, trip + sizeof *report + i * sizeof st, sizeof st);
        statuses[i] = st;
    }
    return report->rc;
}

children_seen children_look(void)
{
    children_seen c = { 0, 0 };
    size_t len = 0;
    remote_call_bytes(F_LOOK, 0, NULL, NULL, 0, &c, sizeof c, &len);
    if (len != sizeof c)
        ck_abort_msg("the look at your process's children did not come back whole");
    return c;
}

void children_reap(void) { REMOTE_CALL0(F_REAP); }

int other_child_start(void) { return (int)(int64_t)REMOTE_CALL0(F_OTHER_CHILD); }

bool other_child_still_there(int pid)
{
    return REMOTE_CALL(F_OTHER_CHILD_END, (uint64_t)(int64_t)pid) != 0;
}
#endif

#ifdef REMOTE_SUBJECT
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The call the children belong to: a child is a copy of the thread that
 * forked it, so each call's children see their own call's. */
static _Thread_local uint64_t call_seed;
static _Thread_local size_t call_n;
static _Thread_local atomic_int *call_pids; /* shared: child i's pid at [i] */

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* True once process pid has ended (a zombie, or reaped and gone). */
static bool has_ended(int pid)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return true;
    ssize_t len = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (len <= 0)
        return true;
    buf[len] = '\0';
    char *end = strrchr(buf, ')');
    return end == NULL || end[1] == '\0' || end[2] == 'Z' || end[2] == 'X';
}

static int child_exits(size_t i) { return child_value(call_seed, i); }

/* Child i ends after child i+1 has ended, and 20 ms more: the reverse of
 * the index order, whatever the schedule. */
static int child_ends_reversed(size_t i)
{
    atomic_store(&call_pids[i], (int)getpid());
    if (i + 1 < call_n) {
        int next;
        while ((next = atomic_load(&call_pids[i + 1])) == 0)
            sleep_ms(1);
        while (!has_ended(next))
            sleep_ms(1);
        sleep_ms(20);
    }
    return child_value(call_seed, i);
}

static int child_crashes(size_t i)
{
    int sig = child_signal(call_seed, i);
    if (sig) {
        signal(sig, SIG_DFL); /* not the grader's crash handler: it is meant */
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, sig);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        raise(sig);
        _exit(99);
    }
    return child_value(call_seed, i);
}

static int (*const child_fns[])(size_t) = { child_exits, child_ends_reversed, child_crashes, NULL };

#define MARK "16-fork-unflushed;"

/* How many times MARK is in what can be read from fd now. */
static uint32_t marks_in(int fd)
{
    static _Thread_local char buf[8192];
    size_t len = 0;
    ssize_t k;
    while (len < sizeof buf - 1 && (k = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)k;
    buf[len] = '\0';
    uint32_t count = 0;
    for (char *p = buf; (p = strstr(p, MARK)) != NULL; p += strlen(MARK))
        count++;
    return count;
}

/* Bytes that can be read from fd now. */
static uint32_t bytes_in(int fd)
{
    char buf[256];
    uint32_t count = 0;
    ssize_t k;
    while ((k = read(fd, buf, sizeof buf)) > 0)
        count += (uint32_t)k;
    return count;
}

/* arg: n, kind, seed, fail_at (-1: none). */
static uint64_t do_fork_all(remote_args *a)
{
    size_t n = (size_t)a->arg[0];
    int kind = (int)a->arg[1];
    int fail_at = (int)(int64_t)a->arg[3];
    fork_report r = { 0, 0, 0, 0 };
    int *st = malloc((n ? n : 1) * sizeof *st);
    int flush_pipe[2] = { -1, -1 }, back[2] = { -1, -1 };
    FILE *unflushed = NULL;
    void *shared = MAP_FAILED;
    size_t shared_len = (n ? n : 1) * sizeof(atomic_int);
    bool ready = n <= MAX_CHILDREN && kind >= 0 && kind <= CHILD_NULL_FN && st != NULL &&
                 a->out_cap >= sizeof r + n * sizeof(int32_t) &&
                 pipe2(flush_pipe, O_CLOEXEC | O_NONBLOCK) == 0 &&
                 pipe2(back, O_CLOEXEC | O_NONBLOCK) == 0;
    if (ready && (unflushed = fdopen(flush_pipe[1], "w")) != NULL)
        flush_pipe[1] = -1; /* the stream's now */
    if (ready && unflushed)
        shared = mmap(NULL, shared_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (!ready || !unflushed || shared == MAP_FAILED) {
        r.spare = 1;
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        st[i] = STATUS_UNSET;
    call_seed = a->arg[2];
    call_n = n;
    call_pids = shared;
    setvbuf(unflushed, NULL, _IOFBF, 4096);
    fputs(MARK, unflushed); /* stays in the buffer until the fflush below */

    pid_t me = getpid();
    if (fail_at >= 0)
        remote_fail_fork(fail_at, EAGAIN);
    r.rc = fork_all(n, child_fns[kind], st);
    if (getpid() != me) {
        /* A child came back out of fork_all: tell the parent, end now. */
        ssize_t w = write(back[1], "R", 1);
        (void)w;
        _exit(0);
    }
    remote_fail_fork(-1, 0);
    fflush(unflushed);
    r.flushed = marks_in(flush_pipe[0]);
    r.returned = bytes_in(back[0]);
done:
    if (unflushed)
        fclose(unflushed);
    if (shared != MAP_FAILED)
        munmap(shared, shared_len);
    for (int k = 0; k < 2; k++) {
        if (flush_pipe[k] >= 0)
            close(flush_pipe[k]);
        if (back[k] >= 0)
            close(back[k]);
    }
    if (a->out_cap >= sizeof r + n * sizeof(int32_t)) {
        memcpy(a->out, &r, sizeof r);
        for (size_t i = 0; i < n; i++) {
            int32_t v = st ? st[i] : STATUS_UNSET;
            memcpy(a->out + sizeof r + i * sizeof v, &v, sizeof v);
        }
        a->out_len = sizeof r + n * sizeof(int32_t);
    }
    free(st);
    return 0;
}

static uint64_t do_look(remote_args *a)
{
    remote_children c = remote_children_look();
    children_seen out = { c.children, c.zombies };
    if (a->out_cap >= sizeof out) {
        memcpy(a->out, &out, sizeof out);
        a->out_len = sizeof out;
    }
    return 0;
}

static uint64_t do_reap(remote_args *a)
{
    (void)a;
    return remote_children_reap();
}

/* A child of the test's own (not forked by your code), which ends at once:
 * its pid once it is a zombie (waited for without being reaped), or -1. */
static uint64_t do_other_child(remote_args *a)
{
    (void)a;
    pid_t pid = fork();
    if (pid == 0)
        _exit(OTHER_CHILD_STATUS);
    siginfo_t info;
    if (pid < 0 || waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) != 0)
        return (uint64_t)(int64_t)-1;
    return (uint64_t)(int64_t)pid;
}

/* arg: that pid. Reaps it: 1 if it was still there, unreaped, with its
 * status; 0 if someone else had reaped it. */
static uint64_t do_other_child_end(remote_args *a)
{
    pid_t pid = (pid_t)(int64_t)a->arg[0];
    int st = 0;
    pid_t got;
    while ((got = waitpid(pid, &st, WNOHANG)) < 0 && errno == EINTR)
        ;
    return got == pid && WIFEXITED(st) && WEXITSTATUS(st) == OTHER_CHILD_STATUS;
}

REMOTE_FUNCTIONS(do_fork_all, do_look, do_reap, do_other_child, do_other_child_end);
/* No function may leave a thread running, detached, or a mutex held. */
REMOTE_LEAVES();
#endif
