/* test_hidden.c - lesson 01's hidden tests (not in the student handout). */
#include "harness.h"
#include "test_support.h"
#include "threads.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

static void *ident(void *p) { return p; }

START_TEST(zero_calls)
{
    int rc = run_all_checked(0, ident, NULL, NULL);
    ck_assert_msg(rc == 0, "run_all(0, ...) returned %d, expected 0", rc);
    ck_assert_msg(harness_threads_created() == 0, "run_all(0, ...) started %d threads",
                  harness_threads_created());
}
END_TEST

/* One call is no reason to skip the thread: it runs on a new one too. */
START_TEST(one_call)
{
    void *args[1] = { (void *)41 }, *results[1] = { NULL };
    int rc = run_all_checked(1, ident, args, results);
    ck_assert_msg(rc == 0, "run_all(1, ...) returned %d, expected 0", rc);
    ck_assert_msg(results[0] == args[0], "results[0] does not hold what the call returned");
    ck_assert_msg(harness_threads_created() == 1, "run_all(1, ...) started %d threads, "
                  "expected 1", harness_threads_created());
}
END_TEST

START_TEST(many_results)
{
    enum { N = 64 };
    void *args[N], *results[N];
    for (intptr_t i = 0; i < N; i++) {
        args[i] = (void *)(i * 7 + 3);
        results[i] = NULL;
    }
    int rc = run_all_checked(N, ident, args, results);
    ck_assert_msg(rc == 0, "run_all(64, ...) returned %d", rc);
    for (int i = 0; i < N; i++)
        ck_assert_msg(results[i] == args[i], "results[%d] does not hold what call %d returned",
                      i, i);
}
END_TEST

static void *nap(void *p)
{
    harness_sleep_ms(50);
    return p;
}

START_TEST(first_create_fails)
{
    void *args[4] = { 0 }, *results[4];
    harness_fail_create(0, EAGAIN);
    int rc = run_all_checked(4, nap, args, results);
    harness_fail_create(-1, 0);
    ck_assert_msg(rc == EAGAIN, "the first pthread_create failed with EAGAIN but run_all "
                                "returned %d", rc);
    ck_assert_msg(harness_live_threads() == 0, "threads still running after run_all failed");
}
END_TEST

START_TEST(last_create_fails)
{
    enum { N = 6 };
    void *args[N] = { 0 }, *results[N];
    harness_fail_create(N - 1, ENOMEM);
    int rc = run_all_checked(N, nap, args, results);
    int live = harness_live_threads();
    harness_fail_create(-1, 0);
    ck_assert_msg(rc == ENOMEM, "the last pthread_create failed with ENOMEM but run_all "
                                "returned %d", rc);
    ck_assert_msg(live == 0, "%d started threads were still running when run_all returned",
                  live);
}
END_TEST

typedef struct bounded_run {
    size_t n;
    void *args[8], *results[8];
    int rc;
    atomic_bool done;
} bounded_run;

static void *run_all_on_helper(void *p)
{
    bounded_run *r = p;
    r->rc = run_all_checked(r->n, nap, r->args, r->results);
    atomic_store(&r->done, true);
    return NULL;
}

/* A creation fails (which one comes from the seed) only once the threads
 * started before it are asleep: in their calls, or in a wait of run_all's
 * own. run_all must still wake and join every one of them. */
START_TEST(create_fails_while_others_sleep)
{
    enum { N = 8 };
    static bounded_run r;
    r = (bounded_run){ .n = N };
    atomic_store(&r.done, false);
    int k = harness_fail_create_seeded(1, N - 1, EAGAIN);
    pthread_t t;
    harness_thread_start(&t, run_all_on_helper, &r);
    atomic_long still = 0;
    long last;
    bool returned = harness_watch_progress(&r.done, &still, 3000, &last);
    harness_fail_create(-1, 0);
    HARNESS_CHECK(returned, "run_all(%d, ...) did not return within 3 s after pthread_create "
                  "number %d failed while the threads started before it (%d) were asleep: wake "
                  "every started thread, then join it", N, k + 1, k);
    harness_thread_join(t);
    int live = harness_live_threads();
    ck_assert_msg(r.rc == EAGAIN, "pthread_create number %d failed with EAGAIN but run_all "
                  "returned %d", k + 1, r.rc);
    ck_assert_msg(live == 0, "%d started threads were still running when run_all returned",
                  live);
}
END_TEST

typedef struct counter {
    task_t task;
    harness_gate *gate;
    bool met;
} counter;

/* After one wait fails the others do not wait: a sequential version fails fast. */
static atomic_bool gave_up;
static void meet(task_t *self)
{
    counter *c = (counter *)self;
    c->met = !atomic_load(&gave_up) && harness_gate_wait(c->gate, 1000);
    if (!c->met)
        atomic_store(&gave_up, true);
}

START_TEST(tasks_run_together)
{
    enum { N = 8 };
    counter c[N];
    harness_gate *g = harness_gate_new(N);
    for (int i = 0; i < N; i++) {
        c[i] = (counter){ .task.run = meet, .gate = g };
        ck_assert_msg(task_start(&c[i].task) == 0, "task_start %d failed", i);
    }
    for (int i = 0; i < N; i++)
        ck_assert_msg(task_join(&c[i].task) == 0, "task_join %d failed", i);
    harness_gate_free(g);
    for (int i = 0; i < N; i++)
        ck_assert_msg(c[i].met, "8 started tasks were not all running at the same time");
}
END_TEST

typedef struct sleeper {
    task_t task;
} sleeper;

static void sleep_100(task_t *self)
{
    (void)self;
    harness_sleep_ms(100);
}

START_TEST(task_sleeps_overlap)
{
    enum { N = 10 };
    sleeper s[N];
    double t0 = harness_now_ms();
    for (int i = 0; i < N; i++) {
        s[i].task.run = sleep_100;
        ck_assert_msg(task_start(&s[i].task) == 0, "task_start failed");
    }
    for (int i = 0; i < N; i++)
        task_join(&s[i].task);
    double took = harness_now_ms() - t0;
    ck_assert_msg(took < 500, "ten tasks sleeping 100 ms each took %.0f ms, not about 100",
                  took);
}
END_TEST

const graded_test hidden_tests[] = {
    GRADED(zero_calls, "functional"),
    GRADED(one_call, "functional"),
    GRADED(many_results, "functional"),
    GRADED(first_create_fails, "functional"),
    GRADED(last_create_fails, "functional"),
    GRADED(create_fails_while_others_sleep, "functional"),
    GRADED(tasks_run_together, "functional"),
    GRADED(task_sleeps_overlap, "timing"),
    { 0 }
};
