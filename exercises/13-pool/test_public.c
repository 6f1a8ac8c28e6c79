/* test_public.c - lesson 13's public tests: `make check` runs these.
 * The grader also runs hidden tests of the same kinds. Every task runs a
 * probe (test_support.h) that records how often, where and when it ran and
 * how many tasks ran at once. The tests run in virtual time (harness.h): a
 * task that "works" 100 ms sleeps 100 virtual ms, which costs no real time,
 * and every count and time below is exact. */
#include "test_support.h"

/* Seed 000: executor.submit(handle, 3, 4); future.result() waits for 12. */
START_TEST(submit_then_result)
{
    harness_virtual_time(true);
    pool_t *p = pool_new(3);
    HARNESS_CHECK(p != NULL, "pool_new(3) returned NULL");
    double t0 = harness_now_ms();
    future_t *f = submit_task(p, 0, 50);
    HARNESS_CHECK(f != NULL, "pool_submit returned NULL on a new pool");
    check_result(f, 0, "pool_submit then future_result");
    double took = harness_now_ms() - t0;
    HARNESS_CHECK(took >= 49.0 && took <= 51.0, "future_result of a task that works 50 ms "
                  "returned after %.1f ms (expected 50: it waits until the task is done, and no "
                  "longer)", took);
    HARNESS_CHECK(future_done(f), "future_done was false after future_result had returned");
    check_tasks_ran(0, 1, "one task");
    pool_free(p);
    check_all_joined("pool_new(3), one task, pool_free");
    future_free(f);
}
END_TEST

/* Seed 001: "when the function ends, the thread does not die: it goes back
 * to the pool". Twelve tasks, three workers: three threads in all. */
START_TEST(workers_are_reused)
{
    enum { W = 3, N = 12 };
    harness_virtual_time(true);
    pool_t *p = pool_new(W);
    HARNESS_CHECK(p != NULL, "pool_new(%d) returned NULL", W);
    future_t *f[N];
    for (int i = 0; i < N; i++) {
        f[i] = submit_task(p, i, 10);
        HARNESS_CHECK(f[i] != NULL, "pool_submit of task %d returned NULL", i);
    }
    for (int i = 0; i < N; i++)
        check_result(f[i], i, "12 tasks in a pool of 3");
    check_tasks_ran(0, N, "12 tasks in a pool of 3");
    check_limits(W, "12 tasks in a pool of 3");
    pool_free(p);
    check_all_joined("12 tasks in a pool of 3");
    for (int i = 0; i < N; i++)
        future_free(f[i]);
}
END_TEST

/* Ten tasks that each work 100 ms, three workers: never more than three at
 * once (the others wait in the queue), and all done after 400 ms. */
START_TEST(never_more_than_workers_at_once)
{
    enum { W = 3, N = 10 };
    harness_virtual_time(true);
    pool_t *p = pool_new(W);
    HARNESS_CHECK(p != NULL, "pool_new(%d) returned NULL", W);
    future_t *f[N];
    for (int i = 0; i < N; i++) {
        f[i] = submit_task(p, i, 100);
        HARNESS_CHECK(f[i] != NULL, "pool_submit of task %d returned NULL", i);
    }
    for (int i = 0; i < N; i++)
        check_result(f[i], i, "10 tasks of 100 ms in a pool of 3");
    check_tasks_ran(0, N, "10 tasks of 100 ms in a pool of 3");
    check_limits(W, "10 tasks of 100 ms in a pool of 3");
    pool_free(p);
    check_all_joined("10 tasks in a pool of 3");
    for (int i = 0; i < N; i++)
        future_free(f[i]);
}
END_TEST

/* Seed 001: pool.map(fun, (5, 10)). Results come in the order of the
 * arguments, although the later calls here end first. */
START_TEST(map_keeps_order)
{
    enum { W = 4, N = 12 };
    harness_virtual_time(true);
    pool_t *p = pool_new(W);
    HARNESS_CHECK(p != NULL, "pool_new(%d) returned NULL", W);
    void *args[N], *results[N];
    for (int i = 0; i < N; i++) {
        task_reset(i, 10.0 * (N - i)); /* task 0 is the slowest */
        args[i] = task_arg(i);
        results[i] = NULL;
    }
    int rc = pool_map(p, task_fn, args, results, N);
    HARNESS_CHECK(rc == 0, "pool_map of 12 calls returned %d (expected 0)", rc);
    check_tasks_ran(0, N, "pool_map of 12 calls");
    for (int i = 0; i < N; i++)
        HARNESS_CHECK(results[i] == task_value(i), "pool_map: results[%d] is %p, not the value "
                      "of fn(args[%d]) (%p)%s", i, results[i], i, task_value(i),
                      results[i] == NULL ? ""
                                         : ": results[i] must hold fn(args[i]), in the order of "
                                           "args[], not in the order the calls ended");
    check_limits(W, "pool_map of 12 calls in a pool of 4");
    pool_free(p);
    check_all_joined("pool_map then pool_free");
}
END_TEST

/* Seed 003: pool.submit(get, url).add_done_callback(parse). A callback
 * registered before the task ends runs once, on the worker, after the
 * future is done; one registered on a done future runs at once, here. */
START_TEST(callbacks_run_once)
{
    harness_virtual_time(true);
    pool_t *p = pool_new(2);
    HARNESS_CHECK(p != NULL, "pool_new(2) returned NULL");
    int me = harness_thread_id();
    double t0 = harness_now_ms();
    future_t *f = submit_task(p, 0, 100);
    HARNESS_CHECK(f != NULL, "pool_submit returned NULL");
    on_done(0, f, 0, 0);
    HARNESS_CHECK(atomic_load(&cbs[0].calls) == 0, "future_on_done on a future whose task "
                  "had not ended ran the callback at once");
    harness_sleep_ms(200);
    check_cb_ran(0, "a callback registered while the task ran");
    HARNESS_CHECK(atomic_load(&cbs[0].thread) != me, "a callback registered while the task ran "
                  "ran on the thread that registered it: it runs on the worker that completes "
                  "the future");
    double t = atomic_load(&cbs[0].at_ms) - t0;
    HARNESS_CHECK(t >= 99.0 && t <= 101.0, "a callback registered while the task ran (it "
                  "ended at 100 ms) ran at %.1f ms: it runs as soon as the future is done", t);
    on_done(1, f, 0, 0);
    check_cb_ran(1, "a callback registered on a done future");
    HARNESS_CHECK(atomic_load(&cbs[1].thread) == me, "a callback registered on a done future "
                  "ran on another thread: it runs at once, on the caller's thread, before "
                  "future_on_done returns");
    HARNESS_CHECK(atomic_load(&cbs[0].calls) == 1, "registering a second callback ran the "
                  "first one again (%d runs)", atomic_load(&cbs[0].calls));
    pool_free(p);
    check_all_joined("callbacks");
    future_free(f);
}
END_TEST

/* A callback may call future_result(f) (seed 003's parse does) and
 * future_done(f): no lock may be held while it runs, and the future must
 * already be done. */
START_TEST(callback_may_call_future_result)
{
    harness_virtual_time(true);
    pool_t *p = pool_new(2);
    HARNESS_CHECK(p != NULL, "pool_new(2) returned NULL");
    future_t *f[3];
    for (int i = 0; i < 3; i++) {
        f[i] = submit_task(p, i, 20.0 * (i + 1));
        HARNESS_CHECK(f[i] != NULL, "pool_submit returned NULL");
        on_done(i, f[i], i, 0);
    }
    pool_shutdown(p, true);
    for (int i = 0; i < 3; i++)
        check_cb_ran(i, "callbacks that call future_result");
    pool_free(p);
    check_all_joined("callbacks that call future_result");
    for (int i = 0; i < 3; i++)
        future_free(f[i]);
}
END_TEST

/* Seed 003: pool.shutdown(wait=True) after the submits: every task already
 * submitted still runs, and it returns once all have; then no more. */
START_TEST(shutdown_runs_what_was_submitted)
{
    enum { W = 2, N = 6 };
    harness_virtual_time(true);
    pool_t *p = pool_new(W);
    HARNESS_CHECK(p != NULL, "pool_new(%d) returned NULL", W);
    future_t *f[N];
    for (int i = 0; i < N; i++) {
        f[i] = submit_task(p, i, 100);
        HARNESS_CHECK(f[i] != NULL, "pool_submit of task %d returned NULL", i);
    }
    double t0 = harness_now_ms();
    pool_shutdown(p, true);
    double took = harness_now_ms() - t0;
    for (int i = 0; i < N; i++)
        HARNESS_CHECK(future_done(f[i]), "after pool_shutdown(p, true), the future of task %d "
                      "(of 6 submitted before it) was not done: shutdown with wait runs every "
                      "queued task and returns once all have finished", i);
    HARNESS_CHECK(took >= 299.0 && took <= 301.0, "pool_shutdown(p, true) with 6 tasks of "
                  "100 ms on 2 workers took %.1f ms (expected 300)", took);
    check_tasks_ran(0, N, "tasks submitted before pool_shutdown");
    future_t *late = submit_task(p, N, 0);
    HARNESS_CHECK(late == NULL, "pool_submit after pool_shutdown did not return NULL");
    void *args[1] = { task_arg(N) }, *results[1] = { NULL };
    int rc = pool_map(p, task_fn, args, results, 1);
    HARNESS_CHECK(rc == ECANCELED, "pool_map after pool_shutdown returned %d (expected "
                  "ECANCELED, %d)", rc, ECANCELED);
    pool_free(p);
    HARNESS_CHECK(atomic_load(&tasks[N].calls) == 0, "a task submitted after pool_shutdown ran");
    check_all_joined("pool_shutdown then pool_free");
    for (int i = 0; i < N; i++)
        future_free(f[i]);
}
END_TEST

/* Two threads wait for the same future: both wake when it is done. */
START_TEST(every_waiter_wakes)
{
    harness_virtual_time(true);
    pool_t *p = pool_new(2);
    HARNESS_CHECK(p != NULL, "pool_new(2) returned NULL");
    future_t *f = submit_task(p, 0, 100);
    HARNESS_CHECK(f != NULL, "pool_submit returned NULL");
    waiter w[2];
    for (int i = 0; i < 2; i++)
        waiter_start(&w[i], f);
    for (int i = 0; i < 2; i++)
        harness_thread_join(w[i].thread);
    for (int i = 0; i < 2; i++)
        HARNESS_CHECK(w[i].result == task_value(0), "two threads waited in future_result for "
                      "one future: one of them got %p, not the task's value", w[i].result);
    pool_free(p);
    check_all_joined("two waiters");
    future_free(f);
}
END_TEST

/* Eight tasks of 500 ms on four workers take 1000 ms: they run side by side. */
START_TEST(tasks_run_side_by_side)
{
    enum { W = 4, N = 8 };
    harness_virtual_time(true);
    pool_t *p = pool_new(W);
    HARNESS_CHECK(p != NULL, "pool_new(%d) returned NULL", W);
    double t0 = harness_now_ms();
    future_t *f[N];
    for (int i = 0; i < N; i++) {
        f[i] = submit_task(p, i, 500);
        HARNESS_CHECK(f[i] != NULL, "pool_submit of task %d returned NULL", i);
    }
    for (int i = 0; i < N; i++)
        check_result(f[i], i, "8 tasks of 500 ms in a pool of 4");
    double took = harness_now_ms() - t0;
    HARNESS_CHECK(took >= 999.0 && took <= 1001.0, "8 tasks of 500 ms on 4 workers took %.1f ms "
                  "(expected 1000: four at a time)%s", took,
                  took > 1001.0 ? ": do the workers hold a lock while a task runs?" : "");
    pool_free(p);
    check_all_joined("8 tasks in a pool of 4");
    for (int i = 0; i < N; i++)
        future_free(f[i]);
}
END_TEST

/* pool_shutdown(p, false) returns at once; the tasks still all run. */
START_TEST(shutdown_without_wait_returns_at_once)
{
    enum { W = 2, N = 4 };
    harness_virtual_time(true);
    pool_t *p = pool_new(W);
    HARNESS_CHECK(p != NULL, "pool_new(%d) returned NULL", W);
    future_t *f[N];
    for (int i = 0; i < N; i++) {
        f[i] = submit_task(p, i, 1000);
        HARNESS_CHECK(f[i] != NULL, "pool_submit of task %d returned NULL", i);
    }
    double t0 = harness_now_ms();
    pool_shutdown(p, false);
    double took = harness_now_ms() - t0;
    HARNESS_CHECK(took <= 1.0, "pool_shutdown(p, false) with 4 tasks of 1 s queued took %.0f ms: "
                  "without wait it returns at once", took);
    pool_free(p);
    took = harness_now_ms() - t0;
    HARNESS_CHECK(took >= 1999.0 && took <= 2001.0, "pool_free after pool_shutdown(p, false) "
                  "returned after %.1f ms: it waits for the 4 tasks of 1 s on 2 workers "
                  "(2000 ms)", took);
    check_tasks_ran(0, N, "tasks queued before pool_shutdown(p, false)");
    check_all_joined("pool_shutdown(p, false) then pool_free");
    for (int i = 0; i < N; i++) {
        HARNESS_CHECK(future_done(f[i]), "after pool_free, the future of task %d was not done", i);
        future_free(f[i]);
    }
}
END_TEST

const graded_test public_tests[] = {
    GRADED_VIRTUAL(submit_then_result, "functional"),
    GRADED(workers_are_reused, "functional"),
    GRADED_VIRTUAL(callbacks_run_once, "functional"),
    GRADED(shutdown_runs_what_was_submitted, "functional"),
    GRADED(never_more_than_workers_at_once, "race"),
    GRADED_VIRTUAL(callback_may_call_future_result, "deadlock"),
    GRADED_VIRTUAL(every_waiter_wakes, "deadlock"),
    GRADED(map_keeps_order, "ordering"),
    GRADED(tasks_run_side_by_side, "timing"),
    GRADED(shutdown_without_wait_returns_at_once, "timing"),
    { 0 }
};
