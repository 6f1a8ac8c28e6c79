/* test_hidden.c - lesson 05's hidden tests (not in the student handout). */
#include "test_support.h"

START_TEST(many_permits_counted)
{
    csem_t *s = csem_new(0);
    HARNESS_CHECK(s != NULL, "csem_new(0) returned NULL");
    HARNESS_CHECK(!csem_try_acquire(s), "csem_try_acquire on csem_new(0) returned true");
    csem_free(s);
    s = csem_new(100);
    HARNESS_CHECK(s != NULL, "csem_new(100) returned NULL");
    harness_repeat(101);
    (void)csem_try_acquire(s);
    const harness_repeat_result *r = harness_repeat_results();
    uint64_t took = 0;
    for (size_t i = 0; i < r->nruns; i++)
        if (r->runs[i].value)
            took += r->runs[i].count;
    HARNESS_CHECK(took == 100, "101 csem_try_acquire on csem_new(100): %llu succeeded, "
                  "expected 100", (unsigned long long)took);
    for (int i = 0; i < 100; i++)
        csem_release(s);
    for (int i = 0; i < 100; i++)
        csem_acquire(s); /* each finds a permit */
    HARNESS_CHECK(!csem_try_acquire(s), "100 released and 100 taken, yet one more was found");
    csem_free(s);
}
END_TEST

START_TEST(timed_acquire_with_and_without_permit)
{
    csem_t *s = csem_new(1);
    HARNESS_CHECK(s != NULL, "csem_new(1) returned NULL");
    HARNESS_CHECK(csem_acquire_timeout(s, 1000), "csem_acquire_timeout(s, 1000) on csem_new(1) "
                  "returned false");
    HARNESS_CHECK(!csem_acquire_timeout(s, 10), "csem_acquire_timeout(s, 10) after the only "
                  "permit was taken returned true");
    HARNESS_CHECK(!csem_try_acquire(s), "a timed-out csem_acquire_timeout created a permit");
    csem_release(s);
    HARNESS_CHECK(csem_try_acquire(s), "one permit released after a timed-out acquire, but "
                  "csem_try_acquire found none: the timed-out acquire took it");
    csem_free(s);
}
END_TEST

START_TEST(run_limited_many_tasks)
{
    enum { N = 200 };
    harness_virtual_time(true); /* a lost wake-up is reported at once */
    tasks_reset(N, 0, 0, 0);
    int rc = run_limited(N, 7, task);
    HARNESS_CHECK(rc == 0, "run_limited(200, 7, task) returned %d (%s), expected 0", rc,
                  strerror(rc));
    check_tasks("run_limited(200, 7, task)");
    HARNESS_CHECK(harness_threads_created() >= N, "run_limited(200, 7, task) created %d threads: "
                  "every task needs a thread of its own", harness_threads_created());
}
END_TEST

/* The 4th pthread_create fails: the error comes back, no task runs twice,
 * and every thread started is joined. */
START_TEST(run_limited_create_failure)
{
    harness_virtual_time(true); /* a lost wake-up is reported at once */
    tasks_reset(8, 0.5, 0, 1);
    harness_fail_create(3, EAGAIN);
    int rc = run_limited(8, 2, task);
    harness_fail_create(-1, 0);
    int live = harness_live_threads();
    HARNESS_CHECK(rc == EAGAIN, "the 4th pthread_create failed with EAGAIN but "
                  "run_limited(8, 2, task) returned %d", rc);
    HARNESS_CHECK(live == 0, "run_limited returned after a failed pthread_create while %d of "
                  "its threads were still running: join every thread you started", live);
    for (size_t i = 0; i < 8; i++)
        HARNESS_CHECK(atomic_load(&tasks.calls[i]) <= 1, "task(%zu) ran %d times", i,
                      atomic_load(&tasks.calls[i]));
    HARNESS_CHECK(!atomic_load(&tasks.on_caller), "run_limited called a task on the thread "
                  "that called it: every task needs a thread of its own");
}
END_TEST

/* Limit 1: one task at a time, each still on its own thread (virtual time). */
START_TEST(run_limited_one_at_a_time)
{
    harness_virtual_time(true);
    tasks_reset(6, 500, 700, 300);
    int rc = run_limited(6, 1, task);
    HARNESS_CHECK(rc == 0, "run_limited(6, 1, task) returned %d, expected 0", rc);
    int most = atomic_load(&tasks.most);
    HARNESS_CHECK(most == 1, "run_limited(6, 1, task): %d tasks ran at once, expected 1", most);
    check_tasks("run_limited(6, 1, task)");
}
END_TEST

/* A limit above n: all n run at once. */
START_TEST(run_limited_limit_above_n)
{
    harness_virtual_time(true);
    tasks_reset(4, 1000, 1000, 2000);
    int rc = run_limited(4, 10, task);
    HARNESS_CHECK(rc == 0, "run_limited(4, 10, task) returned %d, expected 0", rc);
    int most = atomic_load(&tasks.most);
    HARNESS_CHECK(most == 4, "run_limited(4, 10, task): at most %d tasks ran at once, expected "
                  "all 4", most);
    check_tasks("run_limited(4, 10, task)");
}
END_TEST

/* A larger run with a limit of 3 and tasks of different lengths. */
START_TEST(run_limited_three_of_forty)
{
    harness_virtual_time(true);
    tasks_reset(40, 250, 1000, 500);
    int rc = run_limited(40, 3, task);
    HARNESS_CHECK(rc == 0, "run_limited(40, 3, task) returned %d, expected 0", rc);
    int most = atomic_load(&tasks.most);
    HARNESS_CHECK(most <= 3, "run_limited(40, 3, task): %d tasks ran at once (at most 3 may)",
                  most);
    HARNESS_CHECK(most == 3, "run_limited(40, 3, task): at most %d tasks ran at once, never 3",
                  most);
    check_tasks("run_limited(40, 3, task)");
}
END_TEST

/* Acquirers, try-ers and releasers on one semaphore at once, under
 * ThreadSanitizer: the count is never read or written without the lock,
 * and no permit is lost or made. */
typedef struct churn {
    csem_t *s;
    harness_gate *gate;
    int rounds;
    bool trying;
} churn;

static void *churner(void *p)
{
    churn *c = p;
    harness_gate_wait(c->gate, 5000);
    for (int done = 0; done < c->rounds; done += 32) {
        if (c->trying) {
            harness_repeat(32);
            (void)csem_try_acquire(c->s);
            const harness_repeat_result *r = harness_repeat_results();
            uint64_t took = 0;
            for (size_t i = 0; i < r->nruns; i++)
                if (r->runs[i].value)
                    took += r->runs[i].count;
            if (took) {
                harness_repeat(took);
                csem_release(c->s);
            }
        } else {
            harness_batch_begin();
            for (int i = 0; i < 32; i++) {
                if (i % 2)
                    csem_release(c->s);
                else
                    csem_acquire(c->s);
            }
            harness_batch_end(NULL);
        }
    }
    return NULL;
}

START_TEST(permits_conserved_under_contention)
{
    enum { T = 4, PERMITS = 2 };
    csem_t *s = csem_new(PERMITS);
    HARNESS_CHECK(s != NULL, "csem_new(2) returned NULL");
    harness_gate *g = harness_gate_new(T);
    churn c[T];
    pthread_t t[T];
    int rounds = harness_under_tsan() ? 320 : 6400;
    for (int i = 0; i < T; i++) {
        c[i] = (churn){ s, g, rounds, i % 2 == 1 };
        harness_thread_start(&t[i], churner, &c[i]);
    }
    for (int i = 0; i < T; i++)
        harness_thread_join(t[i]);
    harness_gate_free(g);
    for (int i = 0; i < PERMITS; i++)
        HARNESS_CHECK(csem_try_acquire(s), "csem_new(2), then threads acquiring, trying and "
                      "releasing in pairs: afterwards only %d permits were left", i);
    HARNESS_CHECK(!csem_try_acquire(s), "csem_new(2), then threads acquiring, trying and "
                  "releasing in pairs: afterwards more than 2 permits were left");
    csem_free(s);
}
END_TEST

/* Six sleeping waiters (three of them timed), permits released one at a
 * time, then two at once: each permit lets exactly one waiter go. Virtual
 * time: a release that wakes nobody leaves its permit unused for good. */
START_TEST(each_release_lets_one_waiter_go)
{
    enum { N = 6 };
    harness_virtual_time(true);
    csem_t *s = csem_new(0);
    HARNESS_CHECK(s != NULL, "csem_new(0) returned NULL");
    waiter w[N];
    for (int i = 0; i < N; i++)
        start_waiter(&w[i], s, i % 2 == 1, 3600 * 1000);
    harness_sleep_ms(100);
    HARNESS_CHECK(returned(w, N) == 0, "a waiter returned from csem_new(0) with no permit "
                  "released");
    for (int k = 1; k <= 4; k++) {
        csem_release(s);
        harness_sleep_ms(100);
        int got = returned(w, N);
        HARNESS_CHECK(got == k, "%d waiters asleep in csem_acquire, %d permits released one "
                      "at a time: %d waiters had returned 100 ms later (expected %d). Each "
                      "release must wake a waiter (pthread_cond_signal), whatever the count "
                      "was", N, k, got, k);
    }
    harness_batch_begin(); /* two releases back to back */
    csem_release(s);
    csem_release(s);
    harness_batch_end(NULL);
    harness_sleep_ms(100);
    int got = returned(w, N);
    HARNESS_CHECK(got == N, "2 waiters asleep in csem_acquire and 2 permits released back to "
                  "back: %d of them had returned 100 ms later. Signal on every release, not "
                  "only when the count was 0", got - 4);
    for (int i = 0; i < N; i++) {
        harness_thread_join(w[i].thread);
        HARNESS_CHECK(w[i].result, "a csem_acquire_timeout waiting for an hour returned false "
                      "after %.0f ms", w[i].took_ms);
    }
    HARNESS_CHECK(!csem_try_acquire(s), "6 permits released, 6 waiters woke, yet one was left");
    csem_free(s);
}
END_TEST

/* A permit released 1234.5 ms into a 5 s timed acquire: it returns true then. */
START_TEST(timed_acquire_succeeds_on_release)
{
    harness_virtual_time(true);
    csem_t *s = csem_new(0);
    HARNESS_CHECK(s != NULL, "csem_new(0) returned NULL");
    waiter w;
    start_waiter(&w, s, true, 5000);
    harness_sleep_ms(1234.5);
    csem_release(s);
    harness_thread_join(w.thread);
    HARNESS_CHECK(w.result, "csem_acquire_timeout(s, 5000) returned false although a permit "
                  "was released 1234.5 ms into the wait");
    HARNESS_CHECK(w.took_ms >= 1234.5 - 0.001 && w.took_ms <= 1235.5, "csem_acquire_timeout(s, "
                  "5000) returned after %.3f ms though a permit was released after 1234.5 ms: "
                  "it should wake at once", w.took_ms);
    HARNESS_CHECK(!csem_try_acquire(s), "the released permit was taken by the timed acquire, "
                  "yet csem_try_acquire found another");
    csem_free(s);
}
END_TEST

/* ms == 0 never waits; a 10 s timeout (beyond 32-bit nanoseconds) is exact;
 * and a timed acquire sleeps while it waits. */
START_TEST(zero_and_long_timeouts)
{
    harness_virtual_time(true);
    csem_t *s = csem_new(1);
    HARNESS_CHECK(s != NULL, "csem_new(1) returned NULL");
    double t0 = harness_now_ms();
    bool r1 = csem_acquire_timeout(s, 0);
    bool r2 = csem_acquire_timeout(s, 0);
    double took = harness_now_ms() - t0;
    HARNESS_CHECK(r1 && !r2 && took <= 0.001, "csem_acquire_timeout(s, 0) twice on csem_new(1) "
                  "returned %s, then %s, in %.3f ms (expected true, then false, at once)",
                  r1 ? "true" : "false", r2 ? "true" : "false", took);
    waiter w;
    start_waiter(&w, s, true, 10000);
    check_waiter_asleep(&w, "csem_acquire_timeout(s, 10000)");
    harness_thread_join(w.thread);
    HARNESS_CHECK(!w.result, "csem_acquire_timeout(s, 10000) returned true with no permit");
    HARNESS_CHECK(w.took_ms >= 9999.0 && w.took_ms <= 10001.0, "csem_acquire_timeout(s, 10000) "
                  "gave up after %.1f ms (expected 10000): a deadline computed in 32 bits "
                  "wraps, one restarted after each wake-up overruns", w.took_ms);
    csem_release(s);
    HARNESS_CHECK(csem_try_acquire(s), "a timed-out acquire took the permit released after it");
    csem_free(s);
}
END_TEST

const graded_test hidden_tests[] = {
    GRADED(many_permits_counted, "functional"),
    GRADED(timed_acquire_with_and_without_permit, "functional"),
    GRADED(run_limited_many_tasks, "functional"),
    GRADED_VIRTUAL(run_limited_create_failure, "functional"),
    GRADED_VIRTUAL(run_limited_one_at_a_time, "race"),
    GRADED_VIRTUAL(run_limited_limit_above_n, "race"),
    GRADED_VIRTUAL(run_limited_three_of_forty, "race"),
    GRADED(permits_conserved_under_contention, "race"),
    GRADED(each_release_lets_one_waiter_go, "deadlock"),
    GRADED_VIRTUAL(timed_acquire_succeeds_on_release, "timing"),
    GRADED_VIRTUAL(zero_and_long_timeouts, "timing"),
    { 0 }
};
