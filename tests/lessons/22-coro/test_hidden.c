/* test_hidden.c - lesson 22's hidden tests (not in the student handout).
 * Helpers: grader/harness/harness.h and exercises/22-coro/test_support.h.
 *
 * Every test runs under virtual time: a task's sleep returns at exactly its
 * deadline, and the clock moves only when coro_run's thread waits, so each
 * catch below is certain, every run:
 *   - a sleep that blocks the thread: tasks that sleep from the same
 *     instant wake one after another, not together (many_sleepers: 60
 *     tasks; sleeps_overlap in the public tests);
 *   - a task per OS thread or process: every log entry carries the kernel
 *     thread it ran on, and harness_threads_created() and the fork count of
 *     coro_run (one_thread_ok, every test);
 *   - cancel that does not wake an awaiter, or resumes the cancelled task:
 *     cancel_wakes_every_awaiter (two awaiters, one of them in a timed
 *     wait), cancel_sleeping_among_ready;
 *   - cancel that cancels what the task awaits: cancel_not_propagated;
 *   - a cancelled task's timer that still fires (it would cancel, as its
 *     wait_for timing out, the task it waited for): cancelled_waiter_timer;
 *   - wait_for early, late, not cancelling; shielded cancelling:
 *     wait_for_in_time (the task finishes first: the result at its time,
 *     not at the timeout), wait_for_exact (ETIMEDOUT at exactly the limit),
 *     shielded_twice;
 *   - gather in completion order, its return value not the first error by
 *     index: gather_errors_by_index;
 *   - tasks leaked when the main task returns, or run later: pending tasks
 *     in every state (sleeping, awaiting, in a timed wait, never started),
 *     malloc'd bytes back where they were, and a second coro_run in which
 *     no task of the first may run (pending_in_every_state);
 *   - a task's stack: 32 KiB of recursion in a task, every byte written
 *     (deep_stack); the engine (intercept_ucontext.c) marks the lowest
 *     bytes of every stack made by makecontext and checks them at each
 *     switch away and when the task returns, so a stack too small fails
 *     with "task stack overflow", naming the makecontext line, in
 *     whichever test first overruns it.
 */
#include "harness.h"
#include "test_support.h"

#include <errno.h>

static run_log L;

/* 60 tasks sleep 10 + 5 * id ms, all spawned at 0 ms: task i wakes at
 * exactly 10 + 5i ms; the main task gathers them at 310 ms. */
START_TEST(many_sleepers)
{
    harness_virtual_time(true);
    scenario s = { .script = {
        { SPAWN_N(1, 60, 1), GATHER(1, 60), RETURN(0) },
        { SLEEP_BY_ID(10, 5), RETURN(0) },
    } };
    scenario_run(&s, &L);
    one_thread_ok(&L, "while 60 tasks slept");
    const char *why = "60 tasks were spawned at 0 ms, task i sleeping 10 + 5i ms";
    for (int t = 1; t <= 60; t++)
        expect_call(&L, t, OP_SLEEP, 0, 0, 10 + 5 * t, why);
    expect_call(&L, 0, OP_GATHER, 0, 0, 310, why);
    for (int i = 0; i < 60; i++) {
        const log_entry *e = log_find(&L, 0, OP_GATHER_ITEM, i);
        HARNESS_CHECK(e && e->rc == 0 && e->value == i + 1, "%s; coro_gather's results[%d] "
                      "was %lld (errors[%d] %s), expected task %d's result %d", why, i,
                      e ? (long long)e->value : -1LL, i, e ? rc_name(e->rc) : "?", i + 1, i + 1);
    }
}
END_TEST

/* Task 1 sleeps 400 ms. Task 2 awaits it, task 3 waits for it with a
 * limit of 1000 ms; the main task cancels task 1 at 100 ms: both return
 * ECANCELED at 100 ms. */
START_TEST(cancel_wakes_every_awaiter)
{
    harness_virtual_time(true);
    scenario s = { .script = {
        { SPAWN(1, 1), SPAWN(2, 2), SPAWN(3, 3), SLEEP(100), CANCEL(1), AWAIT(2), AWAIT(3),
          RETURN(0) },
        { SLEEP(400), RETURN(0) },
        { AWAIT(1), RETURN(0) },
        { WAIT_FOR(1, 1000), RETURN(0) },
    } };
    scenario_run(&s, &L);
    one_thread_ok(&L, "while a task awaited by two was cancelled");
    const char *why = "task 1 slept 400 ms; task 2 awaited it, task 3 waited for it (limit "
                      "1000 ms); the main task cancelled task 1 at 100 ms";
    expect_call(&L, 2, OP_AWAIT, 0, ECANCELED, 100, why);
    expect_call(&L, 3, OP_WAIT_FOR, 0, ECANCELED, 100, why);
    expect_never(&L, 1, OP_SLEEP, 0, why);
    returned_at(&L, 100, why);
}
END_TEST

/* Tasks 1, 2, 3 sleep 50 ms; at 50 ms all three are ready to run, and
 * task 1 (first to run) cancels task 3: task 3 never returns from its sleep. */
START_TEST(cancel_sleeping_among_ready)
{
    harness_virtual_time(true);
    scenario s = { .script = {
        { SPAWN(1, 1), SPAWN(2, 2), SPAWN(3, 2), SLEEP(200), AWAIT(3), RETURN(0) },
        { SLEEP(50), CANCEL(3), RETURN(0) },
        { SLEEP(50), SLEEP(10), RETURN(0) },
    } };
    scenario_run(&s, &L);
    one_thread_ok(&L, "while a task was cancelled");
    const char *why = "tasks 1, 2 and 3 slept 50 ms; task 1, once awake, cancelled task 3 "
                      "(whose sleep was over: ready, not yet resumed, or resumed and asleep "
                      "again)";
    const log_entry *woke = log_find(&L, 3, OP_SLEEP, 0);
    if (woke) /* task 3 ran before task 1: it must stop in its second sleep */
        expect_never(&L, 3, OP_SLEEP, 1, why);
    expect_call(&L, 2, OP_SLEEP, 1, 0, 60, why);
    expect_call(&L, 0, OP_AWAIT, 0, ECANCELED, 200, why);
}
END_TEST

/* Task 1 awaits task 2 (which sleeps 200 ms); the main task cancels task 1
 * at 50 ms. Task 2 is not cancelled: it returns at 200 ms with its result. */
START_TEST(cancel_not_propagated)
{
    harness_virtual_time(true);
    scenario s = { .script = {
        { SPAWN(1, 1), SPAWN(2, 2), SLEEP(50), CANCEL(1), AWAIT(1), AWAIT(2), RETURN(0) },
        { AWAIT(2), RETURN(0) },
        { SLEEP(200), RETURN(20) },
    } };
    scenario_run(&s, &L);
    one_thread_ok(&L, "while an awaiting task was cancelled");
    const char *why = "task 1 awaited task 2 (which slept 200 ms) and the main task cancelled "
                      "task 1 at 50 ms: cancelling a task does not cancel what it awaits";
    expect_call(&L, 0, OP_AWAIT, 0, ECANCELED, 50, why);
    expect_call(&L, 2, OP_SLEEP, 0, 0, 200, why);
    const log_entry *e = expect_call(&L, 0, OP_AWAIT, 1, 0, 200, why);
    HARNESS_CHECK(e->value == 22, "%s; awaiting task 2 gave %lld, expected 22", why,
                  (long long)e->value);
    expect_never(&L, 1, OP_AWAIT, 0, why);
}
END_TEST

/* Task 1 waits for task 2 with a limit of 100 ms; the main task cancels
 * task 1 at 50 ms. The limit of a cancelled wait must never fire: task 2
 * (300 ms) is not cancelled at 100 ms and returns at 300 ms. */
START_TEST(cancelled_waiter_timer)
{
    harness_virtual_time(true);
    scenario s = { .script = {
        { SPAWN(1, 1), SPAWN(2, 2), SLEEP(50), CANCEL(1), AWAIT(2), RETURN(0) },
        { WAIT_FOR(2, 100), RETURN(0) },
        { SLEEP(300), RETURN(0) },
    } };
    scenario_run(&s, &L);
    one_thread_ok(&L, "while a waiting task was cancelled");
    const char *why = "task 1 called coro_wait_for(task 2, 100 ms), task 2 slept 300 ms, and "
                      "the main task cancelled task 1 at 50 ms (a cancelled task's time limit "
                      "is gone with it: it must not time out later and cancel task 2)";
    expect_never(&L, 1, OP_WAIT_FOR, 0, why);
    expect_call(&L, 2, OP_SLEEP, 0, 0, 300, why);
    expect_call(&L, 0, OP_AWAIT, 0, 0, 300, why);
}
END_TEST

/* coro_wait_for(task, 500 ms) of a task that returns at 120 ms: 0 and its
 * result at 120 ms, not at 500. */
START_TEST(wait_for_in_time)
{
    harness_virtual_time(true);
    scenario s = { .script = {
        { SPAWN(1, 1), WAIT_FOR(1, 500), SPAWN(2, 1), WAIT_SHIELDED(2, 500), RETURN(0) },
        { SLEEP(120), RETURN(40) },
    } };
    scenario_run(&s, &L);
    one_thread_ok(&L, "while waits ended in time");
    const char *why = "task 1 returned 41 at 120 ms; the main task waited for it with a limit "
                      "of 500 ms";
    const log_entry *e = expect_call(&L, 0, OP_WAIT_FOR, 0, 0, 120, why);
    HARNESS_CHECK(e->value == 41, "%s; coro_wait_for gave %lld, expected 41", why,
                  (long long)e->value);
    why = "then task 2 returned 42 at 240 ms; the main task waited for it (shielded) with a "
          "limit of 500 ms";
    e = expect_call(&L, 0, OP_WAIT_SHIELDED, 0, 0, 240, why);
    HARNESS_CHECK(e->value == 42, "%s; coro_wait_for_shielded gave %lld, expected 42", why,
                  (long long)e->value);
    returned_at(&L, 240, why);
}
END_TEST

/* Limits of 150 ms and 1 ms on tasks of 200 ms: ETIMEDOUT at exactly 150
 * and 151 ms, and each task cancelled. */
START_TEST(wait_for_exact)
{
    harness_virtual_time(true);
    scenario s = { .script = {
        { SPAWN(1, 1), SPAWN(2, 1), WAIT_FOR(1, 150), WAIT_FOR(2, 1), SLEEP(300), AWAIT(1),
          AWAIT(2), RETURN(0) },
        { SLEEP(200), RETURN(0) },
    } };
    scenario_run(&s, &L);
    one_thread_ok(&L, "while waits timed out");
    expect_call(&L, 0, OP_WAIT_FOR, 0, ETIMEDOUT, 150, "tasks 1 and 2 slept 200 ms; the main "
                "task called coro_wait_for(task 1, 150 ms)");
    expect_call(&L, 0, OP_WAIT_FOR, 1, ETIMEDOUT, 151, "then, at 150 ms, coro_wait_for(task "
                "2, 1 ms)");
    const char *why = "coro_wait_for timed out on tasks 1 and 2, which cancels them";
    expect_never(&L, 1, OP_SLEEP, 0, why);
    expect_never(&L, 2, OP_SLEEP, 0, why);
    expect_call(&L, 0, OP_AWAIT, 0, ECANCELED, 451, why);
    expect_call(&L, 0, OP_AWAIT, 1, ECANCELED, 451, why);
}
END_TEST

/* Two shielded waits (100 ms, then 100 ms more) on a task of 500 ms, then
 * an await: ETIMEDOUT at 100 and 200 ms, the result at 500 ms. */
START_TEST(shielded_twice)
{
    harness_virtual_time(true);
    scenario s = { .script = {
        { SPAWN(1, 1), WAIT_SHIELDED(1, 100), WAIT_SHIELDED(1, 100), AWAIT(1), RETURN(0) },
        { SLEEP(500), RETURN(50) },
    } };
    scenario_run(&s, &L);
    one_thread_ok(&L, "while shielded waits timed out");
    const char *why = "task 1 slept 500 ms; the main task waited for it shielded twice, 100 "
                      "ms each time, then awaited it";
    expect_call(&L, 0, OP_WAIT_SHIELDED, 0, ETIMEDOUT, 100, why);
    expect_call(&L, 0, OP_WAIT_SHIELDED, 1, ETIMEDOUT, 200, why);
    expect_call(&L, 1, OP_SLEEP, 0, 0, 500, "a shielded wait that times out does not cancel "
                "the task");
    const log_entry *e = expect_call(&L, 0, OP_AWAIT, 0, 0, 500, why);
    HARNESS_CHECK(e->value == 51, "%s; the await gave %lld, expected 51", why,
                  (long long)e->value);
}
END_TEST

/* Five tasks finish in the order 5, 4, 3, 2, 1; tasks 2 and 4 are
 * cancelled at 10 ms. Results and errors by index, and coro_gather returns
 * ECANCELED (the first nonzero error by index, task 2's). */
START_TEST(gather_errors_by_index)
{
    harness_virtual_time(true);
    scenario s = { .script = {
        { SPAWN(1, 1), SPAWN(2, 2), SPAWN(3, 3), SPAWN(4, 4), SPAWN(5, 5), SPAWN(6, 6),
          GATHER(1, 5), RETURN(0) },
        { SLEEP(250), RETURN(100) },
        { SLEEP(200), RETURN(100) },
        { SLEEP(150), RETURN(100) },
        { SLEEP(100), RETURN(100) },
        { SLEEP(50), RETURN(100) },
        { SLEEP(10), CANCEL(2), CANCEL(4), RETURN(0) },
    } };
    scenario_run(&s, &L);
    const char *why = "tasks 1 to 5 slept 250, 200, 150, 100 and 50 ms and returned 100 + "
                      "their number; tasks 2 and 4 were cancelled at 10 ms; the main task "
                      "gathered tasks 1 to 5";
    one_thread_ok(&L, "while five tasks were gathered");
    expect_call(&L, 0, OP_GATHER, 0, ECANCELED, 250, why);
    for (int i = 0; i < 5; i++) {
        const log_entry *e = log_find(&L, 0, OP_GATHER_ITEM, i);
        HARNESS_CHECK(e != NULL, "%s; coro_gather's results were not logged", why);
        bool cancelled = i == 1 || i == 3;
        HARNESS_CHECK(e->rc == (cancelled ? ECANCELED : 0), "%s; errors[%d] was %s, expected "
                      "%s: errors are stored by index", why, i, rc_name(e->rc),
                      cancelled ? "ECANCELED" : "0");
        if (!cancelled)
            HARNESS_CHECK(e->value == 101 + i, "%s; results[%d] was %lld, expected %d: "
                          "results are stored by index (task i's in results[i]), not in the "
                          "order the tasks finished", why, i, (long long)e->value, 101 + i);
    }
    scenario s2 = { .script = {
        { SPAWN(1, 1), SPAWN(2, 2), SPAWN(3, 3), GATHER(1, 2), RETURN(0) },
        { SLEEP(20), RETURN(0) },
        { SLEEP(30), RETURN(0) },
        { SLEEP(10), CANCEL(1), RETURN(0) },
    } };
    scenario_run(&s2, &L);
    one_thread_ok(&L, "while tasks were gathered");
    expect_call(&L, 0, OP_GATHER, 0, ECANCELED, 30, "task 1 was cancelled, task 2 returned; "
                "coro_gather of tasks 1 and 2 returns the first nonzero error by index "
                "(errors[0])");
}
END_TEST

/* The main task returns while tasks are pending in every state: asleep,
 * awaiting, in a timed wait, spawned and never started. Twice: the second
 * run's log must hold no step of a task of the first, and the second run
 * must give back every byte it took. */
START_TEST(pending_in_every_state)
{
    harness_virtual_time(true);
    scenario s = { .script = {
        { SPAWN_N(1, 10, 1), SPAWN_N(11, 10, 2), SPAWN_N(21, 10, 3), SLEEP(20),
          SPAWN_N(31, 10, 1), RETURN(0) },
        { SLEEP(5000), RETURN(0) },
        { AWAIT(1), RETURN(0) },
        { WAIT_FOR(2, 8000), RETURN(0) },
    } };
    scenario_run(&s, &L);
    one_thread_ok(&L, "while 40 tasks were left pending");
    scenario_run(&s, &L);
    one_thread_ok(&L, "while 40 tasks were left pending (the second time)");
    const char *why = "the main task returned at 20 ms while 40 tasks were pending (asleep, "
                      "awaiting, in a timed wait, spawned and never started)";
    returned_at(&L, 20, why);
    uint32_t k = L.n < LOG_MAX ? L.n : LOG_MAX;
    for (uint32_t i = 0; i < k; i++)
        HARNESS_CHECK(L.e[i].task == 0 || (L.e[i].op == OP_START && L.e[i].task <= 30),
                      "%s; task %d's %s returned at %.1f ms: pending tasks never run again",
                      why, L.e[i].task, op_name(L.e[i].op), at_ms(&L.e[i]));
    expect_never(&L, 1, OP_SLEEP, 0, why);
    for (int t = 31; t <= 40; t++)
        HARNESS_CHECK(log_find(&L, t, OP_START, 0) == NULL, "%s; task %d, spawned at 20 ms just "
                      "before the main task returned, started: pending tasks never run", why, t);
    HARNESS_CHECK(log_find(&L, 0, OP_START, 1) == NULL && log_find(&L, 1, OP_START, 1) == NULL,
                  "%s; in the second coro_run, tasks of the first ran again: when coro_run "
                  "returns, nothing of its tasks is left", why);
    freed_ok(&L, why);
}
END_TEST

/* A task uses 32 KiB of its stack (the header promises 64 KiB). */
START_TEST(deep_stack)
{
    harness_virtual_time(true);
    scenario s = { .script = {
        { SPAWN(1, 1), AWAIT(1), RETURN(0) },
        { SLEEP(1), RECURSE(32), SLEEP(1), RETURN(0) },
    } };
    scenario_run(&s, &L);
    one_thread_ok(&L, "while a task recursed");
    const char *why = "task 1 used 32 KiB of its stack (a task may use up to 64 KiB)";
    expect_call(&L, 1, OP_SLEEP, 1, 0, 2, why);
    expect_call(&L, 0, OP_AWAIT, 0, 0, 2, why);
}
END_TEST

const graded_test hidden_tests[] = {
    GRADED_VIRTUAL(many_sleepers, "timing"),
    GRADED_VIRTUAL(cancel_wakes_every_awaiter, "functional"),
    GRADED_VIRTUAL(cancel_sleeping_among_ready, "functional"),
    GRADED_VIRTUAL(cancel_not_propagated, "functional"),
    GRADED_VIRTUAL(cancelled_waiter_timer, "functional"),
    GRADED_VIRTUAL(wait_for_in_time, "timing"),
    GRADED_VIRTUAL(wait_for_exact, "timing"),
    GRADED_VIRTUAL(shielded_twice, "functional"),
    GRADED_VIRTUAL(gather_errors_by_index, "ordering"),
    GRADED_VIRTUAL(pending_in_every_state, "functional"),
    GRADED_VIRTUAL(deep_stack, "functional"),
    { 0 }
};
