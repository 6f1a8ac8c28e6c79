/* test_public.c - lesson 16's public tests: `make check` runs these. The
 * grader also runs hidden tests of the same kinds. How each child ends and
 * the checks of statuses are in test_support.h; the helpers every lesson
 * uses in grader/harness/harness.h.
 *
 * The children run the grader's own functions (fork_all's fn) in your
 * process: one returns a value made from the test's seed, one ends only
 * after the next child has ended (so the children end in reverse order),
 * one crashes. After each call the grader looks at your process's children
 * (from /proc): none may be left, neither running nor a zombie. In one
 * test the grader makes a later fork fail with EAGAIN, as a system out of
 * processes does.
 */
#include "harness.h"
#include "test_support.h"

#include <errno.h>
#include <string.h>

/* processtest2: 8 children, each runs fn(i) and ends with its value. */
START_TEST(eight_children)
{
    int st[8];
    fork_report r;
    uint64_t seed = harness_rand();
    int rc = fork_run(8, CHILD_EXITS, seed, -1, st, &r);
    report_ok(&r, 8);
    HARNESS_CHECK(rc == 0, "fork_all(8, fn, statuses) returned %s, expected 0", RC_TEXT(rc));
    statuses_ok(CHILD_EXITS, seed, 8, st, "fork_all(8, fn, statuses)");
    no_children_left("fork_all(8, fn, statuses)");
}
END_TEST

/* n == 0 returns 0 at once; a NULL fn is EINVAL; neither starts a child. */
START_TEST(zero_and_null)
{
    int st[4] = { STATUS_UNSET, STATUS_UNSET, STATUS_UNSET, STATUS_UNSET };
    fork_report r;
    int rc = fork_run(0, CHILD_EXITS, 1, -1, st, &r);
    report_ok(&r, 0);
    HARNESS_CHECK(rc == 0, "fork_all(0, fn, statuses) returned %s, expected 0", RC_TEXT(rc));
    no_children_left("fork_all(0, fn, statuses)");
    rc = fork_run(4, CHILD_NULL_FN, 1, -1, st, &r);
    report_ok(&r, 4);
    HARNESS_CHECK(rc == EINVAL, "fork_all(4, NULL, statuses) returned %s, expected EINVAL (%d)",
                  RC_TEXT(rc), EINVAL);
    no_children_left("fork_all(4, NULL, statuses)");
}
END_TEST

/* Children that crash (SIGSEGV, SIGABRT) keep their signal in the status. */
START_TEST(crashes_are_signals)
{
    int st[9];
    fork_report r;
    uint64_t seed = harness_rand();
    int rc = fork_run(9, CHILD_CRASHES, seed, -1, st, &r);
    report_ok(&r, 9);
    HARNESS_CHECK(rc == 0, "fork_all(9, fn, statuses) with crashing children returned %s, "
                  "expected 0 (a child's crash is its status, not fork_all's error)", RC_TEXT(rc));
    statuses_ok(CHILD_CRASHES, seed, 9, st, "fork_all(9, fn, statuses), some children crashing");
    no_children_left("fork_all(9, fn, statuses)");
}
END_TEST

/* A later fork fails: the children already started are waited for, their
 * statuses stored, and fork's error returned. */
START_TEST(later_fork_fails)
{
    int st[8];
    fork_report r;
    uint64_t seed = harness_rand();
    int fail_at = 1 + (int)(harness_rand() % 6);
    int rc = fork_run(8, CHILD_EXITS, seed, fail_at, st, &r);
    report_ok(&r, 8);
    char what[128];
    snprintf(what, sizeof what, "fork_all(8, fn, statuses) whose fork number %d failed with "
             "EAGAIN", fail_at + 1);
    HARNESS_CHECK(rc == EAGAIN, "%s returned %s, expected EAGAIN (%d): return fork's error",
                  what, RC_TEXT(rc), EAGAIN);
    no_children_left(what);
    statuses_ok(CHILD_EXITS, seed, (size_t)fail_at, st, what);
}
END_TEST

/* The children end in reverse order: statuses stay in index order. */
START_TEST(reverse_ending)
{
    int st[6];
    fork_report r;
    uint64_t seed = harness_rand();
    int rc = fork_run(6, CHILD_ENDS_REVERSED, seed, -1, st, &r);
    report_ok(&r, 6);
    HARNESS_CHECK(rc == 0, "fork_all(6, fn, statuses) returned %s, expected 0", RC_TEXT(rc));
    statuses_ok(CHILD_ENDS_REVERSED, seed, 6, st,
                "fork_all(6, fn, statuses), the last child ending first");
    no_children_left("fork_all(6, fn, statuses)");
}
END_TEST

typedef struct caller {
    uint64_t seed;
    int kind, rc;
    int st[6];
    fork_report r;
} caller;

static void *call_fork_all(void *p)
{
    caller *c = p;
    c->rc = fork_run(6, c->kind, c->seed, -1, c->st, &c->r);
    return NULL;
}

/* Two threads call fork_all at once: each gets its own children's statuses. */
START_TEST(two_callers)
{
    caller c[2] = { { .seed = harness_rand(), .kind = CHILD_ENDS_REVERSED },
                    { .kind = CHILD_ENDS_REVERSED } };
    c[1].seed = c[0].seed + 100; /* other exit values */
    pthread_t t[2];
    for (int k = 0; k < 2; k++)
        harness_thread_start(&t[k], call_fork_all, &c[k]);
    for (int k = 0; k < 2; k++)
        harness_thread_join(t[k]);
    for (int k = 0; k < 2; k++) {
        char what[96];
        snprintf(what, sizeof what, "thread %d's fork_all(6, fn, statuses), while thread %d "
                 "called it too", k + 1, 2 - k);
        report_ok(&c[k].r, 6);
        HARNESS_CHECK(c[k].rc == 0, "%s returned %s, expected 0 (did it wait for the other "
                      "call's children, waitpid(-1), and find none left: ECHILD?)", what, RC_TEXT(c[k].rc));
        for (size_t i = 0; i < 6; i++)
            HARNESS_CHECK(child_of_status(c[1 - k].seed, 6, c[k].st[i]) < 0, "%s: statuses[%zu] "
                          "is the status of a child of the other call: each call must wait for "
                          "its own children only (waitpid(pid) with the pids it forked; "
                          "waitpid(-1) takes any child of the process)", what, i);
        statuses_ok(CHILD_ENDS_REVERSED, c[k].seed, 6, c[k].st, what);
    }
    no_children_left("two fork_all calls at once");
}
END_TEST

const graded_test public_tests[] = {
    GRADED(eight_children, "functional"),
    GRADED(zero_and_null, "functional"),
    GRADED(crashes_are_signals, "functional"),
    GRADED(later_fork_fails, "functional"),
    GRADED(reverse_ending, "ordering"),
    GRADED(two_callers, "race"),
    { 0 }
};
