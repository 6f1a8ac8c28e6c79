/* test_support.h - lesson 01's test helpers, shared by the public tests and
 * the grader's hidden tests: run_all with the thread of every call checked.
 * Tests only; nothing here is part of the lesson's API. */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include "harness.h"
#include "threads.h"

#include <stddef.h>

#define CHECKED_CALLS 256

/* One call of run_all as the test sees it: the test's function and argument,
 * and the thread it ran on (harness_thread_id(); 0: not made). */
typedef struct checked_call {
    void *(*fn)(void *);
    void *arg;
    int thread;
} checked_call;

static checked_call checked_calls[CHECKED_CALLS];

static void *run_checked_call(void *p)
{
    checked_call *c = p;
    c->thread = harness_thread_id();
    return c->fn(c->arg);
}

/* run_all(n, fn, args, results), and then: every call that was made ran on
 * a thread of its own, never on the thread that called run_all. */
static int run_all_checked(size_t n, void *(*fn)(void *), void *const args[], void *results[])
{
    static void *wrapped[CHECKED_CALLS];
    if (n > CHECKED_CALLS)
        ck_abort_msg("run_all_checked: at most %d calls", CHECKED_CALLS);
    for (size_t i = 0; i < n; i++) {
        checked_calls[i] = (checked_call){ fn, args ? args[i] : NULL, 0 };
        wrapped[i] = &checked_calls[i];
    }
    int caller = harness_thread_id();
    int rc = run_all(n, run_checked_call, wrapped, results);
    for (size_t i = 0; i < n; i++) {
        int t = checked_calls[i].thread;
        if (t == caller)
            ck_abort_msg("run_all(%zu, ...): call %zu ran on the thread that called run_all: "
                         "start a new thread for every call", n, i);
        for (size_t j = 0; t && j < i; j++)
            if (checked_calls[j].thread == t)
                ck_abort_msg("run_all(%zu, ...): calls %zu and %zu ran on the same thread: "
                             "every call needs a thread of its own", n, j, i);
    }
    return rc;
}

#endif
