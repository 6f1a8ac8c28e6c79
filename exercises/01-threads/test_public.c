/* test_public.c - lesson 01's public tests: `make check` runs these.
 * The grader also runs hidden tests of the same kinds. */
#include "harness.h"
#include "test_support.h"
#include "threads.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

static void *twice(void *p) { return (void *)((intptr_t)p * 2); }

START_TEST(results_in_place)
{
    enum { N = 8 };
    void *args[N], *results[N];
    for (intptr_t i = 0; i < N; i++) {
        args[i] = (void *)(i + 1);
        results[i] = NULL;
    }
    int rc = run_all_checked(N, twice, args, results);
    ck_assert_msg(rc == 0, "run_all returned %d (%s), expected 0", rc, strerror(rc));
    for (intptr_t i = 0; i < N; i++)
        ck_assert_msg(results[i] == (void *)(2 * (i + 1)),
                      "results[%d] is %ld; the call fn(args[%d]) returned %ld", (int)i,
                      (long)(intptr_t)results[i], (int)i, (long)(2 * (i + 1)));
}
END_TEST

/* Each call records the thread it ran on. */
static pthread_t seen[64];
static void *record_thread(void *p)
{
    seen[(intptr_t)p] = pthread_self();
    return p;
}

START_TEST(each_call_on_its_own_thread)
{
    enum { N = 6 };
    void *args[N], *results[N];
    for (intptr_t i = 0; i < N; i++)
        args[i] = (void *)i;
    int rc = run_all_checked(N, record_thread, args, results);
    ck_assert_msg(rc == 0, "run_all returned %d, expected 0", rc);
    for (int i = 0; i < N; i++)
        ck_assert_msg(!pthread_equal(seen[i], pthread_self()),
                      "call %d ran on the thread that called run_all: start a new thread "
                      "for it with pthread_create", i);
    ck_assert_msg(harness_threads_created() == N,
                  "run_all(%d, ...) started %d threads; expected one per call", N,
                  harness_threads_created());
}
END_TEST

/* Every call waits until all of them have started: only possible if they
 * really run at the same time. After one wait fails the others do not wait. */
static harness_gate *gate;
static atomic_bool gate_failed;
static void *wait_for_all(void *p)
{
    if (!atomic_load(&gate_failed) && !harness_gate_wait(gate, 1000))
        atomic_store(&gate_failed, true);
    return p;
}

START_TEST(calls_run_at_the_same_time)
{
    enum { N = 5 };
    void *args[N] = { 0 }, *results[N];
    gate = harness_gate_new(N);
    int rc = run_all_checked(N, wait_for_all, args, results);
    harness_gate_free(gate);
    ck_assert_msg(rc == 0, "run_all returned %d, expected 0", rc);
    ck_assert_msg(!atomic_load(&gate_failed),
                  "the %d calls did not all run at the same time: a call waited 1 s for the "
                  "others to start. Start every thread before joining any of them.", N);
}
END_TEST

static void *nap_100ms(void *p)
{
    harness_sleep_ms(100);
    return p;
}

START_TEST(create_failure_joins_started)
{
    enum { N = 8 };
    void *args[N] = { 0 }, *results[N];
    harness_fail_create(3, EAGAIN); /* the 4th pthread_create fails */
    int rc = run_all_checked(N, nap_100ms, args, results);
    int live = harness_live_threads();
    harness_fail_create(-1, 0);
    ck_assert_msg(rc == EAGAIN,
                  "the 4th pthread_create failed with EAGAIN but run_all returned %d", rc);
    ck_assert_msg(live == 0,
                  "run_all returned after a failed pthread_create while %d of the threads "
                  "it had started were still running: join them first", live);
}
END_TEST

/* The "Thread subclass" idiom: a task_t embedded in the test's own struct. */
typedef struct stock {
    task_t task;
    int symbol;
    int price;
    pthread_t ran_on;
} stock;

static void fetch_price(task_t *self)
{
    stock *s = (stock *)self;
    s->price = s->symbol * 10;
    s->ran_on = pthread_self();
}

START_TEST(task_runs_on_new_thread)
{
    stock s = { .task.run = fetch_price, .symbol = 7 };
    int rc = task_start(&s.task);
    ck_assert_msg(rc == 0, "task_start returned %d, expected 0", rc);
    rc = task_join(&s.task);
    ck_assert_msg(rc == 0, "task_join returned %d, expected 0", rc);
    ck_assert_msg(s.price == 70, "after task_join, run() had not run (price %d, expected 70)",
                  s.price);
    ck_assert_msg(!pthread_equal(s.ran_on, pthread_self()),
                  "run() ran on the caller's thread: task_start must start a new thread");
}
END_TEST

/* The seed: ten tasks that each sleep take about one sleep, not ten. */
START_TEST(ten_sleeps_overlap)
{
    enum { N = 10 };
    void *args[N] = { 0 }, *results[N];
    double t0 = harness_now_ms();
    int rc = run_all_checked(N, nap_100ms, args, results);
    double took = harness_now_ms() - t0;
    ck_assert_msg(rc == 0, "run_all returned %d, expected 0", rc);
    ck_assert_msg(took < 500,
                  "ten calls that each sleep 100 ms took %.0f ms: they should overlap and "
                  "take about 100 ms, not 1000", took);
}
END_TEST

const graded_test public_tests[] = {
    GRADED(results_in_place, "functional"),
    GRADED(each_call_on_its_own_thread, "functional"),
    GRADED(calls_run_at_the_same_time, "functional"),
    GRADED(create_failure_joins_started, "functional"),
    GRADED(task_runs_on_new_thread, "functional"),
    GRADED(ten_sleeps_overlap, "timing"),
    { 0 }
};
