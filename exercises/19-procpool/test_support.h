/* test_support.h - lesson 19's test helpers, shared by the public tests,
 * the grader's hidden tests and test_remote.c: the items, what fn does
 * with them, and what the tests learn of a procpool_map call. Tests only;
 * nothing here is part of the lesson's API. The helpers every lesson may
 * use are in grader/harness/harness.h.
 */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include "procpool.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What fn does (the grader's own functions, run by your workers):
 *   FN_PRIME: fn(x) is x when x is prime, else -x (the seed's is_prime);
 *   FN_FIRST_SLOW: the same, but fn(in[0]) returns only after another
 *     worker has sent a result and started its next item (at most 2 s):
 *     another item's result always comes before the first one's;
 *   FN_TOGETHER: the same, but each worker's first call waits (at most 2 s,
 *     once) until every worker expected is inside fn: the workers must run
 *     at the same time;
 *   FN_CRASHES: the same, but fn(in[crash_at]) crashes (SIGSEGV): that
 *     worker dies. */
enum { FN_PRIME, FN_FIRST_SLOW, FN_TOGETHER, FN_CRASHES, FN_KINDS };

/* The most items and workers the tests ask for in one call. */
#define MAX_ITEMS 1024
#define MAX_WORKERS 16
/* What out[i] holds before the call: still there means never stored. */
#define OUT_UNSET 0x7eadbeefL

/* Item i of a call: distinct odd numbers, about a third of them prime. */
static inline long item_of(uint64_t seed, size_t i)
{
    return 1000001L + (long)(seed % 100000) * 2 + (long)i * 2;
}

static inline bool is_prime(long x)
{
    if (x < 2)
        return false;
    for (long d = 2; d * d <= x; d++)
        if (x % d == 0)
            return false;
    return true;
}

/* What fn(x) returns, whatever the kind. */
static inline long value_of(long x) { return is_prime(x) ? x : -x; }

/* What came back from one procpool_map call, besides out[]. */
typedef struct pool_report {
    int32_t rc;           /* what procpool_map returned */
    uint32_t forks;       /* forks your code made during the call */
    uint32_t alive_max;   /* the most of them alive at once (fork to reap) */
    uint32_t alive_after; /* forked and never reaped by your code */
    uint32_t fn_pids;     /* distinct processes that ran fn */
    uint32_t fn_min;      /* the fewest items one of them ran (0: none ran) */
    uint32_t fn_calls;    /* fn calls in all */
    uint32_t fn_in_caller; /* fn calls in the calling process itself */
    uint32_t together;    /* FN_TOGETHER: 1 when every worker was inside fn at once */
    uint32_t hung;        /* FN_CRASHES: 1 when the call had not returned 3 s after the crash */
    uint32_t returned;    /* workers that came back out of procpool_map */
    uint32_t spare;       /* 1: the grader's own code in your process failed, not yours */
} pool_report;

/* What the grader saw of your process's children. */
typedef struct children_seen {
    uint32_t children; /* processes whose parent is your process: running or zombies */
    uint32_t zombies;  /* of them, exited and never reaped */
} children_seen;

#ifndef REMOTE_SUBJECT
#include "harness.h"

#include <errno.h>
#include <stdio.h>

/* procpool_map(workers, <the grader's fn of this kind>, in, out, n) in your
 * process, in[i] = item_of(seed, i); crash_at: FN_CRASHES's item. */
int pool_run(size_t workers, size_t n, int kind, uint64_t seed, size_t crash_at, long out[],
             pool_report *report);
/* Your process's children, seen from /proc, none reaped. */
children_seen children_look(void);
/* Kills and reaps whatever children are left (after a look). */
void children_reap(void);

/* "0", "22 (EINVAL)": what procpool_map returned, for messages. */
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

/* What every call's report must say: workers came back out, fn in the
 * caller, the grader's failure. */
static inline void report_ok(const pool_report *r, const char *what)
{
    HARNESS_CHECK(r->spare == 0, "the grader's own code in your process ran out of memory");
    HARNESS_CHECK(r->returned == 0, "%s: %u workers came back out of procpool_map and ran the "
                  "caller's code after it: a worker must end with _exit when its work is done",
                  what, r->returned);
    HARNESS_CHECK(r->fn_in_caller == 0, "%s: fn ran %u times in the calling process: fn must run "
                  "in the workers only", what, r->fn_in_caller);
}

/* Every out[i] is fn(in[i]), at its own index. */
static inline void results_ok(uint64_t seed, size_t n, const long *out, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        long want = value_of(item_of(seed, i));
        if (out[i] == want)
            continue;
        long other = -1;
        for (size_t j = 0; j < n && other < 0; j++)
            if (out[i] == value_of(item_of(seed, j)))
                other = (long)j;
        HARNESS_CHECK(false, "%s: out[%zu] is %ld, expected fn(in[%zu]) = %ld%s", what, i, out[i],
                      i, want,
                      other >= 0 ? " (it is another item's result: store each result at its "
                                   "item's index, not in the order the workers sent them back)"
                      : out[i] == OUT_UNSET ? " (never stored)" : "");
    }
}

/* The pool forked `want` workers (or, when exact is false, 1 to want). */
static inline void forks_ok(const pool_report *r, size_t want, bool exact, const char *what)
{
    HARNESS_CHECK(r->forks <= want && (!exact || r->forks == want) && (r->forks > 0 || want == 0),
                  "%s forked %u processes, expected %s%zu: fork the workers once and give each "
                  "many items (a process per item, or more than `workers` processes, is not a "
                  "pool)", what, r->forks, exact ? "exactly " : "1 to ", want);
}

/* After the call: no child of yours left, running or zombie. Reaps them.
 * Three looks: the book of your forks and waits (a child forked and never
 * reaped), the sandbox's witness from outside your process (harness_procs;
 * not where the grader runs without namespaces), and your process's own
 * look at its children; any one seeing a child fails the test. */
static inline void no_children_left(const pool_report *r, const char *what)
{
    static harness_proc p[3 * MAX_WORKERS + 16];
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
    HARNESS_CHECK(c.zombies == 0, "%s: %u of your workers were zombies after it returned (they "
                  "ended but nobody waited for them): waitpid every worker you forked. "
                  "Yours: %s", what, c.zombies, where);
    HARNESS_CHECK(c.children == 0, "%s: %u of your workers were still running after it "
                  "returned: end every worker (close its work pipe, or kill it) and wait for "
                  "it. Yours: %s", what, c.children, where);
    HARNESS_CHECK(r->alive_after == 0, "%s: %u of the %u processes it forked were never reaped "
                  "by your code (wait or waitpid each one before returning)", what,
                  r->alive_after, r->forks);
}
#endif

#endif
