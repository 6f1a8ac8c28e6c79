/* test_hidden.c - lesson 09's hidden tests: the grader runs them beside
 * the public ones (the student never sees this file). More threads, more
 * waves, resets between waves, and threads that start and exit while
 * another reads the total. The helpers are in exercises/09-local/test_support.h. */
#include "test_support.h"

/* Four threads in lock step add 1, -10, 100 and 1000 at each of three
 * steps; the main thread added 3 before them. Each count stays its own. */
START_TEST(lock_step_isolation)
{
    enum { T = 4, STEPS = 3 };
    static const long unit[T] = { 1, -10, 100, 1000 };
    tally_add(3);
    harness_gate *g = harness_gate_new(T);
    HARNESS_CHECK(g != NULL, "out of memory in the test");
    stepper s[T];
    for (int k = 0; k < T; k++) {
        s[k] = (stepper){ .gate = g, .steps = STEPS };
        for (int i = 0; i < STEPS; i++)
            s[k].add[i] = unit[k];
        harness_thread_start(&s[k].thread, stepper_body, &s[k]);
    }
    for (int k = 0; k < T; k++)
        harness_thread_join(s[k].thread);
    harness_gate_free(g);
    for (int k = 0; k < T; k++)
        HARNESS_CHECK(!s[k].lost, "thread %d lost the others (a call never returned?)", k + 1);
    for (int i = 0; i < STEPS; i++)
        for (int k = 0; k < T; k++)
            HARNESS_CHECK(s[k].mine[i] == unit[k] * (i + 1), "%d threads add 1, -10, 100 "
                          "and 1000 (one each), together, %d times. After the %d%s time, "
                          "thread %d's tally_mine() returned %ld, expected %ld", T, STEPS,
                          i + 1, i == 0 ? "st" : i == 1 ? "nd" : "rd", k + 1, s[k].mine[i],
                          unit[k] * (i + 1));
    int tids[T];
    for (int k = 0; k < T; k++)
        tids[k] = s[k].tid;
    wait_exited(tids, T, "the 4 threads");
    long mine = tally_mine();
    HARNESS_CHECK(mine == 3, "the main thread added 3, then 4 other threads added and "
                  "exited; the main thread's tally_mine() returned %ld, expected 3", mine);
    long total = tally_total();
    long want = 3 + STEPS * (1 - 10 + 100 + 1000);
    HARNESS_CHECK(total == want, "the main thread added 3 and 4 threads added %d each "
                  "(then exited); tally_total() returned %ld, expected %ld",
                  STEPS * (1 - 10 + 100 + 1000), total, want);
}
END_TEST

/* Seed 001, ThreadPoolExecutor(max_workers=2): a worker thread is not new
 * for each task, so what fun() added to local_data in one task is still
 * there in the next. One worker runs fun(5) and then fun(10), the other
 * fun(10). */
typedef struct pool_worker {
    int tasks[2]; /* fun(n) for each n; 0: no task */
    long after[2]; /* tally_mine() after each task */
    int tid;
    pthread_t thread;
} pool_worker;

static void *pool_worker_body(void *p)
{
    pool_worker *w = p;
    w->tid = harness_gettid();
    for (int t = 0; t < 2 && w->tasks[t]; t++) {
        harness_batch_begin();
        for (int i = 0; i < w->tasks[t]; i++)
            tally_add(i);
        tally_mine();
        size_t n = 0;
        const uint64_t *v = harness_batch_end(&n);
        w->after[t] = n ? (long)v[n - 1] : 0;
    }
    return NULL;
}

START_TEST(pool_worker_keeps_its_count)
{
    pool_worker w[2] = { { .tasks = { 5, 10 } }, { .tasks = { 10, 0 } } };
    for (int i = 0; i < 2; i++)
        harness_thread_start(&w[i].thread, pool_worker_body, &w[i]);
    for (int i = 0; i < 2; i++)
        harness_thread_join(w[i].thread);
    HARNESS_CHECK(w[0].after[0] == 10, "a worker ran fun(5) (it adds 0..4); then its "
                  "tally_mine() returned %ld, expected 10", w[0].after[0]);
    HARNESS_CHECK(w[0].after[1] == 55, "a worker ran fun(5), then fun(10) on the same "
                  "thread; then its tally_mine() returned %ld, expected 55 (10 + 45: the "
                  "thread's count lasts as long as the thread)", w[0].after[1]);
    HARNESS_CHECK(w[1].after[0] == 45, "the other worker ran fun(10) (it adds 0..9); then "
                  "its tally_mine() returned %ld, expected 45", w[1].after[0]);
    wait_exited((int[]){ w[0].tid, w[1].tid }, 2, "the pool's 2 workers");
    long total = tally_total();
    HARNESS_CHECK(total == 100, "the pool's workers ran fun(5), fun(10) and fun(10) (55 + "
                  "45) and exited; tally_total() returned %ld, expected 100", total);
}
END_TEST

/* Four waves of eight threads, a reset, and a fifth wave: each new thread
 * starts from 0 (many get the id of a thread of an earlier wave), the
 * exited threads' counts add up, and after the reset they are gone. */
START_TEST(waves_reset_and_more_waves)
{
    enum { T = 8 };
    long sum = 0;
    for (int w = 1; w <= 5; w++) {
        if (w == 5) {
            /* A live thread with a count of its own waits through the reset. */
            harness_gate *g = harness_gate_new(2);
            HARNESS_CHECK(g != NULL, "out of memory in the test");
            parked k = { .gate = g, .before = 5 };
            harness_thread_start(&k.thread, parked_body, &k);
            HARNESS_CHECK(harness_gate_wait(g, 8000), "a thread called tally_add(5) and it "
                          "did not return within 8 s");
            tally_reset();
            long total = tally_total();
            HARNESS_CHECK(harness_gate_wait(g, 8000), "the live thread lost the test");
            harness_thread_join(k.thread);
            harness_gate_free(g);
            HARNESS_CHECK(total == 0, "4 waves of %d threads added %ld and exited, a live "
                          "thread added 5; after tally_reset(), tally_total() returned %ld, "
                          "expected 0", T, sum, total);
            HARNESS_CHECK(!k.lost, "the live thread lost the test");
            HARNESS_CHECK(k.after_reset == 0, "a live thread added 5, then another thread "
                          "called tally_reset(); then the live thread's tally_mine() returned "
                          "%ld, expected 0", k.after_reset);
            sum = k.after_add == 1 ? 1 : 0;
            HARNESS_CHECK(k.after_add == 1, "a live thread's count was reset; it added 1 and "
                          "tally_mine() returned %ld, expected 1", k.after_add);
        }
        adder a[T];
        for (int i = 0; i < T; i++) {
            a[i] = (adder){ .nadd = 3, .add = { w, 1000 * i, -i } };
            sum += adder_sum(&a[i]);
        }
        run_wave(a, T, w);
        long total = tally_total();
        HARNESS_CHECK(total == sum, "%s%d threads added %ld in all and exited; "
                      "tally_total() returned %ld, expected %ld",
                      w == 5 ? "after 4 waves, tally_reset() and a thread that added 1, " : "",
                      T, sum - (w == 5), total, sum);
    }
}
END_TEST

/* A reader calls tally_total in a tight loop while waves of threads start,
 * add and exit: under ThreadSanitizer, a list of counts changed or read
 * without the lock, or an exiting thread's count moved without it, is a
 * data race. Each total must lie between the last one and the final one.
 * Each wave's adders also wait, alive, until the test has read the total
 * once (run_wave_held): counts written with no lock meet that read in every
 * run, not only when the reader happens to overlap them. */
typedef struct reader {
    long final;
    char why[200];
    pthread_t thread;
} reader;

static void *reader_body(void *p)
{
    reader *r = p;
    long last = 0;
    int rounds = harness_under_tsan() ? 4 : 8;
    for (int round = 0; round < rounds && !r->why[0]; round++) {
        harness_repeat(harness_under_tsan() ? 100 : 400);
        tally_total();
        const harness_repeat_result *res = harness_repeat_results();
        for (size_t i = 0; i < res->nruns && !r->why[0]; i++) {
            long v = (long)res->runs[i].value;
            if (v < last || v > r->final)
                snprintf(r->why, sizeof r->why, "while threads added (only positive values) "
                         "and exited, tally_total() returned %ld after %ld: it must never go "
                         "down, nor above the final %ld", v, last, r->final);
            last = v;
        }
    }
    return NULL;
}

START_TEST(total_while_threads_come_and_go)
{
    enum { T = 3, WAVES = 3 };
    adder a[WAVES][T];
    long sum = 0;
    for (int w = 0; w < WAVES; w++)
        for (int i = 0; i < T; i++) {
            a[w][i] = (adder){ .nadd = 4, .add = { 1, 2, 3, w * 10 + i } };
            sum += adder_sum(&a[w][i]);
        }
    reader r = { .final = sum };
    harness_thread_start(&r.thread, reader_body, &r);
    long so_far = 0;
    for (int w = 0; w < WAVES; w++) {
        for (int i = 0; i < T; i++)
            so_far += adder_sum(&a[w][i]);
        run_wave_held(a[w], T, w + 1, so_far);
    }
    harness_thread_join(r.thread);
    HARNESS_CHECK(!r.why[0], "%s", r.why);
    long total = tally_total();
    HARNESS_CHECK(total == sum, "%d waves of %d threads added %ld in all and exited, while "
                  "another thread read tally_total(); then tally_total() returned %ld", WAVES,
                  T, sum, total);
}
END_TEST

const graded_test hidden_tests[] = {
    GRADED(lock_step_isolation, "functional"),
    GRADED(pool_worker_keeps_its_count, "functional"),
    GRADED(waves_reset_and_more_waves, "functional"),
    GRADED(total_while_threads_come_and_go, "race"),
    { 0 }
};
