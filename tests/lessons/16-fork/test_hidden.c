/* test_hidden.c - lesson 16's hidden tests (not in the student handout):
 * a hundred children, the very first fork failing, many crashes, a longer
 * reverse ending, three callers at once with different children.
 * Helpers: test_support.h and grader/harness/harness.h. */
#include "harness.h"
#include "test_support.h"

#include <errno.h>
#include <string.h>

/* The seed's n = 100: a hundred children, each with its own value. */
START_TEST(hundred_children)
{
    int st[100];
    fork_report r;
    uint64_t seed = harness_rand();
    int rc = fork_run(100, CHILD_EXITS, seed, -1, st, &r);
    report_ok(&r, 100);
    HARNESS_CHECK(rc == 0, "fork_all(100, fn, statuses) returned %s, expected 0", RC_TEXT(rc));
    statuses_ok(CHILD_EXITS, seed, 100, st, "fork_all(100, fn, statuses)");
    no_children_left("fork_all(100, fn, statuses)");
}
END_TEST

/* The first fork fails: no child, fork's error. */
START_TEST(first_fork_fails)
{
    int st[5];
    fork_report r;
    int rc = fork_run(5, CHILD_EXITS, harness_rand(), 0, st, &r);
    report_ok(&r, 5);
    HARNESS_CHECK(rc == EAGAIN, "fork_all(5, fn, statuses) whose first fork failed with EAGAIN "
                  "returned %s, expected EAGAIN (%d)", RC_TEXT(rc), EAGAIN);
    no_children_left("fork_all(5, fn, statuses) whose first fork failed");
}
END_TEST

/* Thirty children, two in three crashing. */
START_TEST(many_crashes)
{
    int st[30];
    fork_report r;
    uint64_t seed = harness_rand();
    int rc = fork_run(30, CHILD_CRASHES, seed, -1, st, &r);
    report_ok(&r, 30);
    HARNESS_CHECK(rc == 0, "fork_all(30, fn, statuses) with crashing children returned %s, "
                  "expected 0", RC_TEXT(rc));
    statuses_ok(CHILD_CRASHES, seed, 30, st, "fork_all(30, fn, statuses), most children crashing");
    no_children_left("fork_all(30, fn, statuses)");
}
END_TEST

/* Ten children ending in reverse order. */
START_TEST(reverse_ending_ten)
{
    int st[10];
    fork_report r;
    uint64_t seed = harness_rand();
    int rc = fork_run(10, CHILD_ENDS_REVERSED, seed, -1, st, &r);
    report_ok(&r, 10);
    HARNESS_CHECK(rc == 0, "fork_all(10, fn, statuses) returned %s, expected 0", RC_TEXT(rc));
    statuses_ok(CHILD_ENDS_REVERSED, seed, 10, st,
                "fork_all(10, fn, statuses), the last child ending first");
    no_children_left("fork_all(10, fn, statuses)");
}
END_TEST

typedef struct caller {
    uint64_t seed;
    int kind, rc;
    int st[8];
    fork_report r;
} caller;

static void *call_fork_all(void *p)
{
    caller *c = p;
    c->rc = fork_run(8, c->kind, c->seed, -1, c->st, &c->r);
    return NULL;
}

/* Three threads at once, each with children of another kind. */
START_TEST(three_callers)
{
    uint64_t seed = harness_rand();
    caller c[3] = { { .seed = seed, .kind = CHILD_ENDS_REVERSED },
                    { .seed = seed + 80, .kind = CHILD_CRASHES },
                    { .seed = seed + 160, .kind = CHILD_ENDS_REVERSED } };
    pthread_t t[3];
    for (int k = 0; k < 3; k++)
        harness_thread_start(&t[k], call_fork_all, &c[k]);
    for (int k = 0; k < 3; k++)
        harness_thread_join(t[k]);
    for (int k = 0; k < 3; k++) {
        char what[96];
        snprintf(what, sizeof what, "thread %d's fork_all(8, fn, statuses), two other threads "
                 "calling it too", k + 1);
        report_ok(&c[k].r, 8);
        HARNESS_CHECK(c[k].rc == 0, "%s returned %s, expected 0 (did it wait for another "
                      "call's children, waitpid(-1), and find none left: ECHILD?)", what, RC_TEXT(c[k].rc));
        for (int o = 0; o < 3; o++)
            for (size_t i = 0; i < 8 && o != k; i++)
                HARNESS_CHECK(c[o].kind == CHILD_CRASHES ||
                              child_of_status(c[o].seed, 8, c[k].st[i]) < 0, "%s: statuses[%zu] "
                              "is the status of a child of another call: each call must wait "
                              "for its own children only (waitpid(pid) with the pids it "
                              "forked; waitpid(-1) takes any child of the process)", what, i);
        statuses_ok(c[k].kind, c[k].seed, 8, c[k].st, what);
    }
    no_children_left("three fork_all calls at once");
}
END_TEST

/* Your process already has a child of its own (the test's, ended, not yet
 * reaped) when fork_all starts: fork_all waits for its own children only
 * and leaves that one to whoever forked it. A fork_all that waits for any
 * child (waitpid(-1), wait) finds it first, every time: it is the only
 * child that has ended when the wait begins. */
START_TEST(other_children_left_alone)
{
    uint64_t seed = harness_rand();
    int other = other_child_start();
    HARNESS_CHECK(other > 0, "the test could not start a child of its own");
    int st[8];
    fork_report r;
    int rc = fork_run(4, CHILD_ENDS_REVERSED, seed, -1, st, &r);
    bool still = other_child_still_there(other);
    report_ok(&r, 4);
    HARNESS_CHECK(still, "fork_all(4, fn, statuses) reaped a child your process already had "
                  "(process %d, not one fork_all forked): wait for the pids fork_all forked "
                  "(waitpid(pid, ...)); waitpid(-1) and wait take any child of the process",
                  other);
    char buf[32];
    HARNESS_CHECK(rc == 0, "fork_all(4, fn, statuses), your process having another child, "
                  "returned %s, expected 0", rc_text(rc, buf, sizeof buf));
    statuses_ok(CHILD_ENDS_REVERSED, seed, 4, st, "fork_all(4, fn, statuses), your process "
                "having another child");
    no_children_left("fork_all(4, fn, statuses), your process having another child");
}
END_TEST

const graded_test hidden_tests[] = {
    GRADED(hundred_children, "functional"),
    GRADED(first_fork_fails, "functional"),
    GRADED(many_crashes, "functional"),
    GRADED(reverse_ending_ten, "ordering"),
    GRADED(three_callers, "race"),
    GRADED(other_children_left_alone, "race"),
    { 0 }
};
