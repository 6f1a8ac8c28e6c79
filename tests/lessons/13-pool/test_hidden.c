/* test_hidden.c - lesson 13's hidden tests (not in the student handout).
 * All but one run in virtual time (test_support.h): exact counts and
 * times, whatever the machine's load, and a pool that hangs is reported at
 * once. The two race tests have tasks that do not sleep: their threads run
 * side by side for real, under ThreadSanitizer as well. one_task_at_a_time
 * runs in real time, where the engine holds every condition wait's lost
 * wake-up window open. */
#include "test_support.h"

/* No workers, no pool; no fn, no future; no calls, nothing to do. */
START_TEST(bad_arguments)
{
    harness_virtual_time(true);
    HARNESS_CHECK(pool_new(0) == NULL, "pool_new(0) did not return NULL");
    HARNESS_CHECK(harness_unjoined_threads() == 0, "pool_new(0) left a thread behind");
    pool_t *p = pool_new(1);
    HARNESS_CHECK(p != NULL, "pool_new(1) returned NULL");
    future_t *f = pool_submit(p, NULL, task_arg(0));
    HARNESS_CHECK(f == NULL, "pool_submit(p, NULL, arg) did not return NULL");
    task_reset(0, 0);
    void *args[1] = { task_arg(0) }, *results[1] = { NULL };
    int rc = pool_map(p, task_fn, args, results, 0);
    HARNESS_CHECK(rc == 0, "pool_map with n = 0 returned %d (expected 0)", rc);
    rc = pool_map(p, NULL, args, results, 1);
    HARNESS_CHECK(rc == EINVAL, "pool_map with a NULL fn returned %d (expected EINVAL, %d)", rc,
                  EINVAL);
    HARNESS_CHECK(atomic_load(&tasks[0].calls) == 0, "pool_map with n = 0 called fn");
    pool_free(p);
    check_all_joined("pool_new(1) then pool_free");
}
END_TEST

/* Four callbacks registered while the task runs, three once it is done:
 * each runs exactly once; the first four on the worker, after the task;
 * the last three at once, on the caller's thread. */
START_TEST(several_callbacks_each_once)
{
    enum { BEFORE = 4, AFTER = 3 };
    harness_virtual_time(true);
    pool_t *p = pool_new(2);
    HARNESS_CHECK(p != NULL, "pool_new(2) returned NULL");
    int me = harness_thread_id();
    future_t *f = submit_task(p, 0, 100);
    HARNESS_CHECK(f != NULL, "pool_submit returned NULL");
    for (int j = 0; j < BEFORE; j++)
        on_done(j, f, 0, 0);
    harness_sleep_ms(200);
    for (int j = 0; j < BEFORE; j++) {
        check_cb_ran(j, "4 callbacks registered while the task ran");
        HARNESS_CHECK(atomic_load(&cbs[j].thread) != me, "a callback registered while the task "
                      "ran ran on the thread that registered it, not on the worker");
    }
    for (int j = BEFORE; j < BEFORE + AFTER; j++) {
        on_done(j, f, 0, 0);
        HARNESS_CHECK(atomic_load(&cbs[j].calls) == 1, "future_on_done on a done future "
                      "returned before the callback ran (%d runs): it runs at once, before "
                      "future_on_done returns", atomic_load(&cbs[j].calls));
        check_cb_ran(j, "callbacks registered on a done future");
        HARNESS_CHECK(atomic_load(&cbs[j].thread) == me, "a callback registered on a done "
                      "future ran on another thread, not the caller's");
    }
    for (int j = 0; j < BEFORE + AFTER; j++)
        check_cb_ran(j, "7 callbacks on one future");
    pool_free(p);
    check_all_joined("7 callbacks");
    future_free(f);
}
END_TEST

/* While the worker runs a slow first callback, the future is done: a
 * callback registered then runs at once on the caller's thread (not later,
 * on the worker, nor never). */
START_TEST(callback_registered_while_callbacks_run)
{
    harness_virtual_time(true);
    pool_t *p = pool_new(1);
    HARNESS_CHECK(p != NULL, "pool_new(1) returned NULL");
    int me = harness_thread_id();
    double t0 = harness_now_ms();
    future_t *f = submit_task(p, 0, 100);
    HARNESS_CHECK(f != NULL, "pool_submit returned NULL");
    on_done(0, f, 0, 100); /* runs from 100 ms to 200 ms, on the worker */
    harness_sleep_ms(150);
    HARNESS_CHECK(atomic_load(&cbs[0].calls) == 1, "the task ended at 100 ms, but its callback "
                  "had not run at 150 ms");
    HARNESS_CHECK(future_done(f), "at 150 ms, after the task had returned (at 100 ms) and while "
                  "its first callback ran, future_done was false: the future is done once the "
                  "task's value is stored, before the callbacks run");
    on_done(1, f, 0, 0);
    HARNESS_CHECK(atomic_load(&cbs[1].calls) == 1, "a callback registered on a done future "
                  "(while the worker still ran its first callback) had not run when "
                  "future_on_done returned: on a done future it runs at once");
    HARNESS_CHECK(atomic_load(&cbs[1].thread) == me, "a callback registered on a done future "
                  "ran on the worker, not at once on the caller's thread");
    double at = atomic_load(&cbs[1].at_ms) - t0;
    HARNESS_CHECK(at <= 151.0, "a callback registered at 150 ms on a done future ran at %.1f ms",
                  at);
    pool_free(p);
    check_cb_ran(0, "a slow callback");
    check_cb_ran(1, "a callback registered while the first one ran");
    check_all_joined("callbacks while callbacks run");
    future_free(f);
}
END_TEST

/* Futures stay valid after pool_free, and a callback registered then runs
 * at once. */
START_TEST(futures_outlive_the_pool)
{
    enum { N = 3 };
    harness_virtual_time(true);
    pool_t *p = pool_new(2);
    HARNESS_CHECK(p != NULL, "pool_new(2) returned NULL");
    future_t *f[N];
    for (int i = 0; i < N; i++) {
        f[i] = submit_task(p, i, 50);
        HARNESS_CHECK(f[i] != NULL, "pool_submit of task %d returned NULL", i);
    }
    double t0 = harness_now_ms();
    pool_free(p);
    double took = harness_now_ms() - t0;
    HARNESS_CHECK(took >= 99.0 && took <= 101.0, "pool_free of a pool with 3 tasks of 50 ms on "
                  "2 workers returned after %.1f ms (expected 100: it waits for every task)",
                  took);
    check_all_joined("pool_free with tasks queued");
    check_tasks_ran(0, N, "tasks queued before pool_free");
    for (int i = 0; i < N; i++) {
        HARNESS_CHECK(future_done(f[i]), "after pool_free, the future of task %d was not done",
                      i);
        check_result(f[i], i, "future_result after pool_free");
    }
    on_done(0, f[0], 0, 0);
    check_cb_ran(0, "a callback registered after pool_free");
    for (int i = 0; i < N; i++)
        future_free(f[i]);
}
END_TEST

/* A pool with nothing to do ends: pool_free wakes every idle worker. */
START_TEST(idle_pool_ends)
{
    harness_virtual_time(true);
    pool_t *p = pool_new(4);
    HARNESS_CHECK(p != NULL, "pool_new(4) returned NULL");
    harness_sleep_ms(10);
    pool_free(p);
    check_all_joined("pool_new(4) then pool_free (no task)");
    p = pool_new(3);
    HARNESS_CHECK(p != NULL, "pool_new(3) returned NULL");
    future_t *f = submit_task(p, 0, 10);
    HARNESS_CHECK(f != NULL, "pool_submit returned NULL");
    check_result(f, 0, "one task in a pool of 3");
    harness_sleep_ms(10);
    pool_shutdown(p, false);
    pool_shutdown(p, true);
    pool_free(p);
    check_all_joined("one task, pool_shutdown twice, pool_free");
    future_free(f);
}
END_TEST

/* future_result returns when the task has returned, not before, with its
 * value (the engine makes condition waits wake up spuriously). */
START_TEST(result_waits_for_the_task)
{
    harness_virtual_time(true);
    pool_t *p = pool_new(2);
    HARNESS_CHECK(p != NULL, "pool_new(2) returned NULL");
    double t0 = harness_now_ms();
    future_t *f[2];
    for (int i = 0; i < 2; i++) {
        f[i] = submit_task(p, i, 300.0 * (i + 1));
        HARNESS_CHECK(f[i] != NULL, "pool_submit returned NULL");
    }
    harness_sleep_ms(150);
    HARNESS_CHECK(!future_done(f[0]), "future_done was true 150 ms into a task of 300 ms");
    for (int i = 0; i < 2; i++) {
        void *r = future_result(f[i]);
        double at = harness_now_ms() - t0;
        HARNESS_CHECK(r == task_value(i) && at >= 300.0 * (i + 1) - 1.0, "future_result of a "
                      "task of %.0f ms returned %p after %.1f ms (expected %p at %.0f ms): wait "
                      "in a while loop until the future is done (waits wake up spuriously)",
                      300.0 * (i + 1), r, at, task_value(i), 300.0 * (i + 1));
        HARNESS_CHECK(at <= 300.0 * (i + 1) + 1.0, "future_result of a task of %.0f ms returned "
                      "after %.1f ms", 300.0 * (i + 1), at);
    }
    pool_free(p);
    check_all_joined("future_result");
    for (int i = 0; i < 2; i++)
        future_free(f[i]);
}
END_TEST

/* pool_map runs its calls on the workers, `workers` at a time. */
START_TEST(map_runs_on_the_workers)
{
    enum { W = 3, N = 7 };
    harness_virtual_time(true);
    pool_t *p = pool_new(W);
    HARNESS_CHECK(p != NULL, "pool_new(%d) returned NULL", W);
    void *args[N], *results[N];
    for (int i = 0; i < N; i++) {
        task_reset(i, 100);
        args[i] = task_arg(i);
        results[i] = NULL;
    }
    double t0 = harness_now_ms();
    int rc = pool_map(p, task_fn, args, results, N);
    double took = harness_now_ms() - t0;
    HARNESS_CHECK(rc == 0, "pool_map of 7 calls returned %d (expected 0)", rc);
    check_tasks_ran(0, N, "pool_map of 7 calls of 100 ms in a pool of 3");
    check_limits(W, "pool_map of 7 calls of 100 ms in a pool of 3");
    for (int i = 0; i < N; i++)
        HARNESS_CHECK(results[i] == task_value(i), "pool_map: results[%d] is not fn(args[%d])",
                      i, i);
    HARNESS_CHECK(took >= 299.0 && took <= 301.0, "pool_map of 7 calls of 100 ms in a pool of 3 "
                  "took %.1f ms (expected 300: three at a time)", took);
    pool_free(p);
    check_all_joined("pool_map then pool_free");
}
END_TEST

/* Four threads submit at once and collect their results: every task runs
 * once, with its own value, on at most `workers` threads. */
typedef struct submitter {
    pool_t *p;
    int first, n;
    int wrong, missing;
} submitter;

static void *submitter_body(void *arg)
{
    submitter *s = arg;
    static _Thread_local future_t *f[TASKS];
    harness_batch_begin();
    for (int i = 0; i < s->n; i++)
        submit_task(s->p, s->first + i, 0);
    size_t got = 0;
    const uint64_t *v = harness_batch_end(&got);
    for (size_t i = 0; i < got; i++) {
        f[i] = (future_t *)(uintptr_t)v[i];
        if (!f[i])
            s->missing++;
    }
    if (s->missing)
        return NULL;
    harness_batch_begin();
    for (int i = 0; i < s->n; i++)
        future_result(f[i]);
    v = harness_batch_end(&got);
    for (size_t i = 0; i < got; i++)
        if ((void *)(uintptr_t)v[i] != task_value(s->first + (int)i))
            s->wrong++;
    harness_batch_begin();
    for (int i = 0; i < s->n; i++)
        future_free(f[i]);
    harness_batch_end(&got);
    return NULL;
}

START_TEST(many_submitters)
{
    enum { W = 3, T = 4 };
    int n = harness_under_tsan() ? 30 : 60;
    harness_virtual_time(true); /* no task sleeps: only a hang is reported at once */
    pool_t *p = pool_new(W);
    HARNESS_CHECK(p != NULL, "pool_new(%d) returned NULL", W);
    submitter s[T];
    pthread_t th[T];
    for (int k = 0; k < T; k++) {
        s[k] = (submitter){ .p = p, .first = k * n, .n = n };
        harness_thread_start(&th[k], submitter_body, &s[k]);
    }
    for (int k = 0; k < T; k++)
        harness_thread_join(th[k]);
    for (int k = 0; k < T; k++) {
        HARNESS_CHECK(s[k].missing == 0, "4 threads submitting at once: pool_submit returned "
                      "NULL %d times", s[k].missing);
        HARNESS_CHECK(s[k].wrong == 0, "4 threads submitting %d tasks each at once: %d "
                      "future_result calls gave another task's value (or none)", n, s[k].wrong);
    }
    check_tasks_ran(0, T * n, "4 threads submitting at once");
    check_limits(W, "4 threads submitting at once");
    pool_free(p);
    check_all_joined("4 threads submitting at once");
}
END_TEST

/* One thread polls future_done while the worker completes the future:
 * ThreadSanitizer watches the done flag. */
START_TEST(done_polled_while_the_task_ends)
{
    int rounds = harness_under_tsan() ? 8 : 20;
    harness_virtual_time(true); /* no task sleeps: only a hang is reported at once */
    pool_t *p = pool_new(2);
    HARNESS_CHECK(p != NULL, "pool_new(2) returned NULL");
    for (int r = 0; r < rounds; r++) {
        future_t *f = submit_task(p, r, 0);
        HARNESS_CHECK(f != NULL, "pool_submit returned NULL");
        /* Polled until true (or 200000 times: a loaded machine may keep the
         * worker away; what counts here is what ThreadSanitizer sees). */
        harness_repeat_until(200000, 1);
        future_done(f);
        check_result(f, r, "future_done polled while the task ended");
        HARNESS_CHECK(future_done(f), "future_done was false after future_result had returned");
        future_free(f);
    }
    check_tasks_ran(0, rounds, "future_done polled while tasks ended");
    pool_free(p);
    check_all_joined("future_done polled");
}
END_TEST

/* Futures completed while the test thread looked away (it synchronised
 * with nothing of the pool's): future_done and future_on_done must take the
 * future's lock before they read whether it is done, or ThreadSanitizer
 * sees the worker's write and this thread's read unordered. */
START_TEST(done_futures_read_without_waiting)
{
    enum { N = 4 };
    harness_virtual_time(true);
    pool_t *p = pool_new(2);
    HARNESS_CHECK(p != NULL, "pool_new(2) returned NULL");
    int me = harness_thread_id();
    future_t *f[N];
    for (int i = 0; i < N; i++) {
        f[i] = submit_task(p, i, 50);
        HARNESS_CHECK(f[i] != NULL, "pool_submit returned NULL");
        on_done(i, f[i], i, 0);
    }
    harness_sleep_ms(200); /* every task and callback has run: the workers are idle */
    /* Each future's first look is unsynchronised: future_done first on
     * half of them, future_on_done first on the others. */
    for (int i = 0; i < N; i++) {
        check_cb_ran(i, "a callback registered while its task ran");
        bool done = i % 2 == 0 ? future_done(f[i]) : true;
        on_done(N + i, f[i], i, 0);
        HARNESS_CHECK(atomic_load(&cbs[N + i].calls) == 1 && atomic_load(&cbs[N + i].thread) == me,
                      "a callback registered on a done future did not run at once on the "
                      "caller's thread");
        if (i % 2 == 1)
            done = future_done(f[i]);
        HARNESS_CHECK(done, "future_done was false 150 ms after its task had returned");
    }
    pool_free(p);
    check_all_joined("done futures");
    for (int i = 0; i < 2 * N; i++)
        check_cb_ran(i, "callbacks on done futures");
    for (int i = 0; i < N; i++)
        future_free(f[i]);
}
END_TEST

/* pool_free on a helper thread, watched by the test. */
typedef struct free_call {
    pool_t *p;
    atomic_bool done;
    atomic_long progress; /* never moves: pool_free has no steps to count */
} free_call;

static void *free_body(void *arg)
{
    free_call *fc = arg;
    pool_free(fc->p);
    atomic_store(&fc->done, true);
    return NULL;
}

/* One task at a time, each waited for before the next is submitted, in
 * real time: every submit must wake an idle worker, every completion the
 * waiting thread (the engine holds each wait's lost wake-up window open). */
START_TEST(one_task_at_a_time)
{
    int rounds = harness_under_tsan() ? 12 : 30;
    pool_t *p = pool_new(2);
    HARNESS_CHECK(p != NULL, "pool_new(2) returned NULL");
    for (int r = 0; r < rounds; r++) {
        future_t *f = submit_task(p, r, 0);
        HARNESS_CHECK(f != NULL, "pool_submit returned NULL");
        check_result(f, r, "one task at a time");
        future_free(f);
    }
    check_tasks_ran(0, rounds, "one task at a time");
    /* In real time a pool that never wakes its idle workers would hang
     * here until the grader's limit: watch pool_free instead. */
    free_call fc = { .p = p };
    pthread_t t;
    harness_thread_start(&t, free_body, &fc);
    long last;
    bool returned = harness_watch_progress(&fc.done, &fc.progress, 3000, &last);
    HARNESS_CHECK(returned, "pool_free of an idle pool of 2 workers had not returned 3 s later: "
                  "shutting down must wake every idle worker (broadcast), and each must end");
    harness_thread_join(t);
    check_all_joined("one task at a time");
}
END_TEST

const graded_test hidden_tests[] = {
    GRADED_VIRTUAL(bad_arguments, "functional"),
    GRADED(several_callbacks_each_once, "functional"),
    GRADED(futures_outlive_the_pool, "functional"),
    GRADED(many_submitters, "race"),
    GRADED(done_polled_while_the_task_ends, "race"),
    GRADED(done_futures_read_without_waiting, "race"),
    GRADED_VIRTUAL(idle_pool_ends, "deadlock"),
    GRADED(one_task_at_a_time, "deadlock"),
    GRADED_VIRTUAL(callback_registered_while_callbacks_run, "ordering"),
    GRADED_VIRTUAL(result_waits_for_the_task, "ordering"),
    GRADED(map_runs_on_the_workers, "timing"),
    { 0 }
};
