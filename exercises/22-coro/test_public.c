/* test_public.c - lesson 22's public tests: `make check` runs these. The
 * grader also runs hidden tests of the same kinds.
 *
 * Each test is a scenario: a script per task (test_support.h), played in
 * your process by tasks your coro_run runs; every step they make is logged
 * with the time it returned. Time is virtual in every test: a sleep of
 * 100 ms costs no real time and returns at exactly 100 ms, so "the three
 * sleeps overlapped" is exact, whatever the machine's load.
 */
#include "harness.h"
#include "test_support.h"

#include <errno.h>

static run_log L;

/* Three tasks each sleep 100 ms, spawned at the same instant; the main
 * task awaits them. With the sleeps overlapping, all three wake at 100 ms. */
START_TEST(sleeps_overlap)
{
    harness_virtual_time(true);
    scenario s = { .script = {
        { SPAWN_N(1, 3, 1), AWAIT(1), AWAIT(2), AWAIT(3), RETURN(0) },
        { SLEEP(100), RETURN(10) },
    } };
    scenario_run(&s, &L);
    one_thread_ok(&L, "while three tasks slept");
    const char *why = "three tasks each slept 100 ms, all spawned at 0 ms";
    for (int t = 1; t <= 3; t++)
        expect_call(&L, t, OP_SLEEP, 0, 0, 100, why);
    for (int k = 0; k < 3; k++)
        expect_call(&L, 0, OP_AWAIT, k, 0, 100, why);
    returned_at(&L, 100, why);
}
END_TEST

/* The seed's scenario: two API calls of 300 and 400 ms, awaited one after
 * the other: both results come, and the second at 400 ms, not 700. */
START_TEST(await_gets_results)
{
    harness_virtual_time(true);
    scenario s = { .script = {
        { SPAWN(1, 1), SPAWN(2, 2), AWAIT(1), AWAIT(2), RETURN(0) },
        { SLEEP(300), RETURN(300) },
        { SLEEP(400), RETURN(400) },
    } };
    scenario_run(&s, &L);
    one_thread_ok(&L, "while two tasks slept");
    const char *why = "tasks 1 and 2 slept 300 and 400 ms and returned 301 and 402; the "
                      "main task awaited task 1, then task 2";
    const log_entry *e = expect_call(&L, 0, OP_AWAIT, 0, 0, 300, why);
    HARNESS_CHECK(e->value == 301, "%s; awaiting task 1 gave %lld, expected its result 301",
                  why, (long long)e->value);
    e = expect_call(&L, 0, OP_AWAIT, 1, 0, 400, why);
    HARNESS_CHECK(e->value == 402, "%s; awaiting task 2 gave %lld, expected its result 402",
                  why, (long long)e->value);
    returned_at(&L, 400, why);
}
END_TEST

/* Task 1 sleeps 500 ms; task 2 awaits it; the main task cancels task 1 at
 * 100 ms. Task 2's await returns ECANCELED at once, task 1 never wakes,
 * and awaiting it later returns ECANCELED too. */
START_TEST(cancel_wakes_awaiter)
{
    harness_virtual_time(true);
    scenario s = { .script = {
        { SPAWN(1, 1), SPAWN(2, 2), SLEEP(100), CANCEL(1), AWAIT(2), AWAIT(1), RETURN(0) },
        { SLEEP(500), RETURN(1) },
        { AWAIT(1), RETURN(2) },
    } };
    scenario_run(&s, &L);
    one_thread_ok(&L, "while a task was cancelled");
    const char *why = "task 1 slept 500 ms, task 2 awaited it, and the main task cancelled "
                      "task 1 at 100 ms";
    expect_call(&L, 2, OP_AWAIT, 0, ECANCELED, 100, why);
    expect_never(&L, 1, OP_SLEEP, 0, why);
    expect_call(&L, 0, OP_AWAIT, 0, 0, 100, why);
    expect_call(&L, 0, OP_AWAIT, 1, ECANCELED, 100, why);
    returned_at(&L, 100, why);
}
END_TEST

/* coro_wait_for of a task that sleeps 300 ms, with 100 ms: ETIMEDOUT at
 * exactly 100 ms, and the task is cancelled (it never wakes). */
START_TEST(wait_for_times_out)
{
    harness_virtual_time(true);
    scenario s = { .script = {
        { SPAWN(1, 1), WAIT_FOR(1, 100), AWAIT(1), SLEEP(400), RETURN(0) },
        { SLEEP(300), RETURN(1) },
    } };
    scenario_run(&s, &L);
    one_thread_ok(&L, "while a wait timed out");
    const char *why = "task 1 slept 300 ms; the main task called coro_wait_for(task 1, 100 ms)";
    expect_call(&L, 0, OP_WAIT_FOR, 0, ETIMEDOUT, 100, why);
    expect_call(&L, 0, OP_AWAIT, 0, ECANCELED, 100,
                "coro_wait_for timed out, so it must have cancelled task 1: awaiting it then");
    expect_never(&L, 1, OP_SLEEP, 0, "coro_wait_for(task 1, 100 ms) timed out at 100 ms, "
                 "which cancels task 1");
}
END_TEST

/* The shielded wait times out at 100 ms, but the task goes on: awaiting it
 * then gives its result at 300 ms. */
START_TEST(shielded_task_goes_on)
{
    harness_virtual_time(true);
    scenario s = { .script = {
        { SPAWN(1, 1), WAIT_SHIELDED(1, 100), AWAIT(1), RETURN(0) },
        { SLEEP(300), RETURN(30) },
    } };
    scenario_run(&s, &L);
    one_thread_ok(&L, "while a shielded wait timed out");
    const char *why = "task 1 slept 300 ms; the main task called coro_wait_for_shielded(task "
                      "1, 100 ms), then coro_await(task 1)";
    expect_call(&L, 0, OP_WAIT_SHIELDED, 0, ETIMEDOUT, 100, why);
    expect_call(&L, 1, OP_SLEEP, 0, 0, 300, "a shielded wait that times out must not cancel "
                "the task (it goes on)");
    const log_entry *e = expect_call(&L, 0, OP_AWAIT, 0, 0, 300, why);
    HARNESS_CHECK(e->value == 31, "%s; the await gave %lld, expected task 1's result 31", why,
                  (long long)e->value);
}
END_TEST

/* Three tasks finish in the order 2, 3, 1 (sleeps of 300, 100, 200 ms);
 * coro_gather stores each result at its task's index. */
START_TEST(gather_by_index)
{
    harness_virtual_time(true);
    scenario s = { .script = {
        { SPAWN(1, 1), SPAWN(2, 2), SPAWN(3, 3), GATHER(1, 3), RETURN(0) },
        { SLEEP(300), RETURN(100) },
        { SLEEP(100), RETURN(200) },
        { SLEEP(200), RETURN(300) },
    } };
    scenario_run(&s, &L);
    one_thread_ok(&L, "while three tasks were gathered");
    const char *why = "tasks 1, 2, 3 slept 300, 100, 200 ms and returned 101, 202, 303; the "
                      "main task gathered them";
    expect_call(&L, 0, OP_GATHER, 0, 0, 300, why);
    for (int i = 0; i < 3; i++) {
        const log_entry *e = log_find(&L, 0, OP_GATHER_ITEM, i);
        HARNESS_CHECK(e != NULL, "%s; coro_gather's results were not logged", why);
        int64_t want = (i + 1) * 101;
        HARNESS_CHECK(e->rc == 0, "%s; errors[%d] was %s, expected 0", why, i, rc_name(e->rc));
        HARNESS_CHECK(e->value == want, "%s; results[%d] was %lld, expected %lld: results are "
                      "stored by index (task i's in results[i]), not in the order the tasks "
                      "finished", why, i, (long long)e->value, (long long)want);
    }
}
END_TEST

/* The main task returns at 50 ms while 20 tasks still sleep (10 s): they
 * are cancelled and freed, coro_run returns at 50 ms, and none of them
 * ever runs again. */
START_TEST(pending_tasks_freed)
{
    harness_virtual_time(true);
    scenario s = { .script = {
        { SPAWN_N(1, 20, 1), SLEEP(50), RETURN(0) },
        { SLEEP(10000), RETURN(0) },
    } };
    scenario_run(&s, &L); /* once to warm up the allocator */
    one_thread_ok(&L, "while 20 tasks were left pending");
    scenario_run(&s, &L);
    one_thread_ok(&L, "while 20 tasks were left pending (the second time)");
    const char *why = "the main task returned at 50 ms while 20 tasks slept (10 s)";
    returned_at(&L, 50, why);
    for (int t = 1; t <= 20; t++)
        expect_never(&L, t, OP_SLEEP, 0, why);
    freed_ok(&L, why);
}
END_TEST

const graded_test public_tests[] = {
    GRADED_VIRTUAL(sleeps_overlap, "timing"),
    GRADED_VIRTUAL(await_gets_results, "functional"),
    GRADED_VIRTUAL(cancel_wakes_awaiter, "functional"),
    GRADED_VIRTUAL(wait_for_times_out, "timing"),
    GRADED_VIRTUAL(shielded_task_goes_on, "functional"),
    GRADED_VIRTUAL(gather_by_index, "ordering"),
    GRADED_VIRTUAL(pending_tasks_freed, "functional"),
    { 0 }
};
