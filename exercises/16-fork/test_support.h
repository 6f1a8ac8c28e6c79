/* test_support.h - lesson 16's test helpers, shared by the public tests,
 * the grader's hidden tests and test_remote.c: what each child does and
 * how it must end, and what the tests learn of a fork_all call. Tests only;
 * nothing here is part of the lesson's API. The helpers every lesson may
 * use are in grader/harness/harness.h.
 */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include "fork.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the children of a fork_all call run (the grader's own functions,
 * in your process):
 *   CHILD_EXITS: child i returns child_value(seed, i) at once;
 *   CHILD_ENDS_REVERSED: the same, but child i ends only after child i+1
 *     has ended (plus 20 ms): the last child ends first, the first last;
 *   CHILD_CRASHES: child i returns its value, or crashes with SIGSEGV or
 *     SIGABRT (child_signal says which);
 *   CHILD_NULL_FN: fork_all gets fn == NULL. */
enum { CHILD_EXITS, CHILD_ENDS_REVERSED, CHILD_CRASHES, CHILD_NULL_FN };

/* The most children the tests ask for in one call. */
#define MAX_CHILDREN 128
/* What statuses[i] holds before the call: still there means not stored. */
#define STATUS_UNSET 0x7eadbeef
/* The exit status of the test's own child (other_child_start). */
#define OTHER_CHILD_STATUS 42

/* The exit value of child i: distinct for every i below 251. */
static inline int child_value(uint64_t seed, size_t i)
{
    return (int)((seed % 251 + i * 37) % 251);
}

/* The signal child i dies of under CHILD_CRASHES, or 0 when it exits. */
static inline int child_signal(uint64_t seed, size_t i)
{
    static const int sigs[3] = { 0, SIGSEGV, SIGABRT };
    return sigs[(seed + i) % 3];
}

/* What came back from one fork_all call, besides the statuses. */
typedef struct fork_report {
    int32_t rc;        /* what fork_all returned */
    uint32_t flushed;  /* times the parent's unflushed stdio bytes reached their pipe (1 is right) */
    uint32_t returned; /* children that came back out of fork_all into the caller's code */
    uint32_t spare;    /* 1: the grader's own code in your process failed, not yours */
} fork_report;

/* What the grader saw of your process's children. */
typedef struct children_seen {
    uint32_t children; /* processes whose parent is your process: running or zombies */
    uint32_t zombies;  /* of them, exited and never reaped */
} children_seen;

#ifndef REMOTE_SUBJECT
#include "harness.h"

#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>

/* fork_all(n, <the grader's function of this kind>, statuses) in your
 * process. fail_at >= 0: that fork (0: the first) and every later one
 * fail with EAGAIN. The report says what else the grader saw. */
int fork_run(size_t n, int kind, uint64_t seed, int fail_at, int statuses[],
             fork_report *report);
/* Your process's children, seen from /proc, none reaped. */
children_seen children_look(void);
/* Kills and reaps whatever children are left (after a look). */
void children_reap(void);
/* A child of your process that the test forks itself and that has ended
 * (a zombie): its pid, or -1. other_child_still_there(pid) then reaps it
 * and says whether it was still there for the test to reap: a fork_all
 * that waits for any child (waitpid(-1), wait) takes it. */
int other_child_start(void);
bool other_child_still_there(int pid);

/* "0", "EAGAIN (11)", "10 (ECHILD)": what fork_all returned, for messages. */
static inline const char *rc_text(int rc, char *buf, size_t len)
{
    const char *name = rc == EINVAL ? "EINVAL" : rc == EAGAIN ? "EAGAIN" : rc == ECHILD ? "ECHILD"
                       : rc == ENOMEM ? "ENOMEM" : rc == ENOSYS ? "ENOSYS" : NULL;
    if (name)
        snprintf(buf, len, "%d (%s)", rc, name);
    else
        snprintf(buf, len, "%d", rc);
    return buf;
}

#define RC_TEXT(rc) rc_text((rc), (char[32]){ 0 }, 32)

/* "exited with 42", "killed by signal 11 (SIGSEGV)", "never stored": a raw
 * wait status, for messages. */
static inline const char *status_text(int st, char *buf, size_t len)
{
    if (st == STATUS_UNSET)
        snprintf(buf, len, "never stored");
    else if (WIFEXITED(st))
        snprintf(buf, len, "%d (exited with %d)", st, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(buf, len, "%d (killed by signal %d%s)", st, WTERMSIG(st),
                 WTERMSIG(st) == SIGSEGV ? ", SIGSEGV" : WTERMSIG(st) == SIGABRT ? ", SIGABRT" : "");
    else
        snprintf(buf, len, "%d (neither an exit nor a signal)", st);
    return buf;
}

/* True when st is how child i of `kind` must end. */
static inline bool status_right(int kind, uint64_t seed, size_t i, int st)
{
    int sig = kind == CHILD_CRASHES ? child_signal(seed, i) : 0;
    if (st == STATUS_UNSET)
        return false;
    if (sig)
        return WIFSIGNALED(st) && WTERMSIG(st) == sig;
    return WIFEXITED(st) && WEXITSTATUS(st) == child_value(seed, i);
}

/* What child i's status should have been, for messages. */
static inline const char *status_wanted(int kind, uint64_t seed, size_t i, char *buf, size_t len)
{
    int sig = kind == CHILD_CRASHES ? child_signal(seed, i) : 0;
    if (sig)
        snprintf(buf, len, "killed by signal %d (%s)", sig, sig == SIGSEGV ? "SIGSEGV" : "SIGABRT");
    else
        snprintf(buf, len, "exited with %d", child_value(seed, i));
    return buf;
}

/* The index of the child whose status st is (its exit value), or -1. */
static inline long child_of_status(uint64_t seed, size_t n, int st)
{
    for (size_t j = 0; j < n; j++)
        if (st != STATUS_UNSET && WIFEXITED(st) && WEXITSTATUS(st) == child_value(seed, j))
            return (long)j;
    return -1;
}

/* The report's own failures: a child that came back out of fork_all, or
 * that flushed the parent's stdio buffers (exit instead of _exit). */
static inline void report_ok(const fork_report *r, size_t n)
{
    HARNESS_CHECK(r->spare == 0, "the grader's own code in your process ran out of memory");
    HARNESS_CHECK(r->returned == 0, "%u of %zu children came back out of fork_all and ran the "
                  "caller's code after it (a child returned, or went on with the loop): child i "
                  "must end with _exit(fn(i)) right after fn returns", r->returned, n);
    HARNESS_CHECK(r->flushed <= 1, "bytes the parent had written to a stdio stream but not yet "
                  "flushed came out %u times instead of once: %u children flushed the parent's "
                  "buffers on their way out (exit() does that, and runs atexit handlers): a "
                  "child must end with _exit(fn(i)), not exit() or a return from main",
                  r->flushed, r->flushed - 1);
}

/* Each statuses[i] is how child i ended; `what` names the call. */
static inline void statuses_ok(int kind, uint64_t seed, size_t n, const int *st, const char *what)
{
    char got[96], want[96];
    for (size_t i = 0; i < n; i++) {
        if (status_right(kind, seed, i, st[i]))
            continue;
        long other = child_of_status(seed, n, st[i]);
        HARNESS_CHECK(false, "%s: statuses[%zu] is %s, expected child %zu's: %s%s", what, i,
                      status_text(st[i], got, sizeof got), i,
                      status_wanted(kind, seed, i, want, sizeof want),
                      other >= 0 && (size_t)other != i
                      ? " (it is another child's status: store each child's status at its own "
                        "index, the index of the fork that made it, not in the order the "
                        "children ended)"
                      : st[i] == STATUS_UNSET ? " (never stored)"
                      : WIFEXITED(st[i]) && kind == CHILD_CRASHES && child_signal(seed, i)
                      ? " (the child crashed: keep the raw status from waitpid, where "
                        "WIFSIGNALED and WTERMSIG say which signal; do not turn it into an "
                        "exit value)"
                      : "");
    }
}

/* After the call: no child of yours left, running or zombie. Reaps them.
 * Two looks: the sandbox's witness lists the run's processes from outside
 * your process (harness_procs; not where the grader runs without
 * namespaces), and your process looks at its own children; either one
 * seeing a child fails the test. */
static inline void no_children_left(const char *what)
{
    static harness_proc p[3 * MAX_CHILDREN + 8];
    int cap = (int)(sizeof p / sizeof p[0]);
    int n = harness_procs(p, (size_t)cap);
    HARNESS_CHECK(n != HARNESS_NET_FAILED, "%s: the grader could not list your processes (its "
                  "helper in your sandbox did not answer: was it killed?)", what);
    children_seen c = children_look();
    if (n >= 0) {
        int subject = harness_subject_pid(p, n < cap ? n : cap);
        children_seen w = { 0, 0 };
        for (int i = 0; i < n && i < cap; i++)
            if (subject != 0 && p[i].ppid == subject) {
                w.children++;
                w.zombies += p[i].state == 'Z';
            }
        if (w.children > c.children)
            c.children = w.children;
        if (w.zombies > c.zombies)
            c.zombies = w.zombies;
    }
    /* Where each was forked, asked before the reap forgets them. */
    const char *where = c.zombies || c.children ? harness_children_where() : "";
    children_reap();
    HARNESS_CHECK(c.zombies == 0, "%s: %u of your process's children were zombies after it "
                  "returned (they ended but nobody waited for them): wait for every child "
                  "with waitpid (or waitid without WNOWAIT), so the system can free it. "
                  "Yours: %s", what, c.zombies, where);
    HARNESS_CHECK(c.children == 0, "%s: %u of your process's children were still running after "
                  "it returned: fork_all must wait until every child it started has ended. "
                  "Yours: %s", what, c.children, where);
}
#endif

#endif
