/* test_public.c - lesson 05's public tests: `make check` runs these.
 * The grader also runs hidden tests of the same kinds. Helper threads and
 * the counting task are in test_support.h. Several tests run on the
 * grader's virtual clock (harness.h): sleeps of seconds cost no real time
 * and every result is exact. */
#include "test_support.h"

/* Permits are counted: no more, no fewer than were put in. */
START_TEST(permits_are_counted)
{
    csem_t *s = csem_new(2);
    HARNESS_CHECK(s != NULL, "csem_new(2) returned NULL");
    HARNESS_CHECK(csem_try_acquire(s), "csem_try_acquire on a new csem_new(2) returned false");
    HARNESS_CHECK(csem_try_acquire(s), "the second csem_try_acquire on csem_new(2) returned "
                  "false");
    HARNESS_CHECK(!csem_try_acquire(s), "a third csem_try_acquire on csem_new(2) returned "
                  "true: it took a permit that does not exist");
    csem_release(s);
    HARNESS_CHECK(csem_try_acquire(s), "csem_try_acquire after one csem_release returned false");
    HARNESS_CHECK(!csem_try_acquire(s), "one csem_release let two csem_try_acquire succeed: "
                  "a release gives back exactly one permit");
    for (int i = 0; i < 3; i++)
        csem_release(s);
    for (int i = 0; i < 3; i++)
        HARNESS_CHECK(csem_try_acquire(s), "3 permits released, but csem_try_acquire number %d "
                      "returned false", i + 1);
    HARNESS_CHECK(!csem_try_acquire(s), "3 permits released, yet 4 csem_try_acquire succeeded");
    csem_release(s);
    csem_acquire(s); /* a permit is free: returns at once */
    HARNESS_CHECK(!csem_try_acquire(s), "one permit released and taken by csem_acquire, yet "
                  "csem_try_acquire found another");
    csem_free(s);
}
END_TEST

/* A timed acquire that gives up takes nothing (real time, 20 ms). */
START_TEST(timed_out_acquire_takes_nothing)
{
    csem_t *s = csem_new(0);
    HARNESS_CHECK(s != NULL, "csem_new(0) returned NULL");
    HARNESS_CHECK(!csem_acquire_timeout(s, 20), "csem_acquire_timeout(s, 20) on csem_new(0) "
                  "returned true: there was no permit");
    HARNESS_CHECK(!csem_acquire_timeout(s, 0), "csem_acquire_timeout(s, 0) on csem_new(0) "
                  "returned true: there was no permit");
    csem_release(s);
    HARNESS_CHECK(csem_try_acquire(s), "csem_new(0), two timed acquires that gave up, one "
                  "csem_release: csem_try_acquire returned false. The permit was lost: an "
                  "acquire that times out must take nothing");
    HARNESS_CHECK(!csem_try_acquire(s), "one permit released, two taken");
    csem_release(s);
    HARNESS_CHECK(csem_acquire_timeout(s, 1000), "csem_acquire_timeout(s, 1000) with a permit "
                  "free returned false");
    csem_free(s);
}
END_TEST

/* Seed 003: Semaphore(5) and 20 threads, each inside for 1 to 3 seconds
 * (virtual). Each task is held inside while the test counts: never more
 * than 5 at once, and 5 are reached. */
static csem_t *seed_sem;
static atomic_int seed_inside, seed_most;

static void *seed_thread(void *p)
{
    double hold = (double)(uintptr_t)p;
    csem_acquire(seed_sem);
    int now = atomic_fetch_add(&seed_inside, 1) + 1;
    int most = atomic_load(&seed_most);
    while (now > most && !atomic_compare_exchange_weak(&seed_most, &most, now))
        ;
    harness_sleep_ms(hold);
    atomic_fetch_sub(&seed_inside, 1);
    csem_release(seed_sem);
    return NULL;
}

START_TEST(seed_five_of_twenty_at_once)
{
    enum { N = 20, LIMIT = 5 };
    harness_virtual_time(true);
    seed_sem = csem_new(LIMIT);
    HARNESS_CHECK(seed_sem != NULL, "csem_new(5) returned NULL");
    pthread_t t[N];
    for (int i = 0; i < N; i++)
        harness_thread_start(&t[i], seed_thread,
                             (void *)(uintptr_t)(1000 * (1 + harness_rand() % 3)));
    for (int i = 0; i < N; i++)
        harness_thread_join(t[i]);
    int most = atomic_load(&seed_most);
    HARNESS_CHECK(most <= LIMIT, "csem_new(5) and 20 threads doing acquire, work, release: %d "
                  "threads were inside at once (at most 5 may be)", most);
    HARNESS_CHECK(most == LIMIT, "csem_new(5) and 20 threads doing acquire, work, release: at "
                  "most %d were inside at once, never 5: free permits went unused", most);
    for (int i = 0; i < LIMIT; i++)
        HARNESS_CHECK(csem_try_acquire(seed_sem), "after 20 acquire/release pairs on csem_new(5), "
                      "only %d permits were left", i);
    HARNESS_CHECK(!csem_try_acquire(seed_sem), "after 20 acquire/release pairs on csem_new(5), "
                  "more than 5 permits were left: a permit was created");
    csem_free(seed_sem);
}
END_TEST

/* A waiter asleep at 0 permits; one release must wake it. Virtual time: if
 * the release wakes nobody, every thread is blocked for ever and the
 * grader says so at once. */
START_TEST(release_wakes_a_waiter)
{
    harness_virtual_time(true);
    csem_t *s = csem_new(0);
    HARNESS_CHECK(s != NULL, "csem_new(0) returned NULL");
    waiter w;
    start_waiter(&w, s, false, 0);
    harness_sleep_ms(1000);
    HARNESS_CHECK(!atomic_load(&w.done), "csem_acquire on csem_new(0) returned although no "
                  "permit was ever released");
    csem_release(s);
    harness_thread_join(w.thread);
    HARNESS_CHECK(!csem_try_acquire(s), "one permit released and taken by the waiter, but "
                  "csem_try_acquire still found one");
    csem_free(s);
}
END_TEST

/* run_limited runs every task once, each on a thread of its own. */
START_TEST(run_limited_runs_every_task)
{
    harness_virtual_time(true); /* a lost wake-up is reported at once */
    tasks_reset(12, 0, 0, 0);
    int rc = run_limited(12, 4, task);
    HARNESS_CHECK(rc == 0, "run_limited(12, 4, task) returned %d (%s), expected 0", rc,
                  strerror(rc));
    check_tasks("run_limited(12, 4, task)");
    tasks_reset(0, 0, 0, 0);
    rc = run_limited(0, 4, task);
    HARNESS_CHECK(rc == 0, "run_limited(0, 4, task) returned %d, expected 0", rc);
    HARNESS_CHECK(atomic_load(&tasks.bad_index) < 0, "run_limited(0, 4, task) called a task");
    rc = run_limited(3, 0, task);
    HARNESS_CHECK(rc == EINVAL, "run_limited(3, 0, task) returned %d, expected EINVAL (%d)", rc,
                  EINVAL);
    HARNESS_CHECK(atomic_load(&tasks.bad_index) < 0, "run_limited(3, 0, task) called a task");
    rc = run_limited(3, 2, NULL);
    HARNESS_CHECK(rc == EINVAL, "run_limited(3, 2, NULL) returned %d, expected EINVAL (%d)", rc,
                  EINVAL);
}
END_TEST

/* Seed 003 as run_limited(20, 5): tasks inside for 1 to 3 virtual seconds. */
START_TEST(run_limited_holds_the_limit)
{
    harness_virtual_time(true);
    tasks_reset(20, 1000, 3000, 2000);
    int rc = run_limited(20, 5, task);
    HARNESS_CHECK(rc == 0, "run_limited(20, 5, task) returned %d, expected 0", rc);
    int most = atomic_load(&tasks.most);
    HARNESS_CHECK(most <= 5, "run_limited(20, 5, task): %d tasks ran at once (at most 5 may)",
                  most);
    HARNESS_CHECK(most == 5, "run_limited(20, 5, task): at most %d tasks ran at once, never 5: "
                  "start a new task as soon as a slot is free", most);
    check_tasks("run_limited(20, 5, task)");
}
END_TEST

/* Virtual time: a 5 s timeout gives up after exactly 5000 ms (1 ms of
 * tolerance for a deadline rounded to whole milliseconds). */
START_TEST(timeout_is_honoured)
{
    harness_virtual_time(true);
    csem_t *s = csem_new(0);
    HARNESS_CHECK(s != NULL, "csem_new(0) returned NULL");
    waiter w;
    start_waiter(&w, s, true, 5000);
    harness_thread_join(w.thread);
    HARNESS_CHECK(!w.result, "csem_acquire_timeout(s, 5000) returned true, but no permit was "
                  "ever released");
    HARNESS_CHECK(w.took_ms >= 4999.0, "csem_acquire_timeout(s, 5000) gave up after %.1f ms, "
                  "before the 5000 ms had passed: check the deadline's arithmetic (a "
                  "nanosecond count in 32 bits wraps beyond 4294 ms)", w.took_ms);
    HARNESS_CHECK(w.took_ms <= 5001.0, "csem_acquire_timeout(s, 5000) took %.1f ms to give up "
                  "(expected 5000): compute one absolute deadline before the wait loop and "
                  "wait until it, not a fresh timeout after each wake-up", w.took_ms);
    csem_release(s);
    HARNESS_CHECK(csem_try_acquire(s), "after a timed-out csem_acquire_timeout and one release, "
                  "csem_try_acquire returned false: the timed-out acquire took the permit");
    csem_free(s);
}
END_TEST

/* A blocked acquire sleeps (it does not spin) and wakes the moment a
 * permit comes: released after 1000.123457 virtual ms, it returns then,
 * to the microsecond. A loop that polls (try, sleep, try...) wakes late. */
START_TEST(acquire_sleeps_until_release)
{
    harness_virtual_time(true);
    csem_t *s = csem_new(0);
    HARNESS_CHECK(s != NULL, "csem_new(0) returned NULL");
    waiter w;
    start_waiter(&w, s, false, 0);
    check_waiter_asleep(&w, "csem_acquire");
    harness_sleep_ms(1000.123457);
    csem_release(s);
    harness_thread_join(w.thread);
    double late = w.took_ms - 1000.123457;
    HARNESS_CHECK(late > -0.001 && late < 0.001, "csem_acquire waited %.6f ms for a permit "
                  "released after 1000.123457 ms: it should wake the moment the permit comes. "
                  "Does it poll (try, sleep a little, try again) instead of waiting on a "
                  "condition variable that csem_release signals?", w.took_ms);
    csem_free(s);
}
END_TEST

const graded_test public_tests[] = {
    GRADED(permits_are_counted, "functional"),
    GRADED(timed_out_acquire_takes_nothing, "functional"),
    GRADED_VIRTUAL(run_limited_runs_every_task, "functional"),
    GRADED(seed_five_of_twenty_at_once, "race"),
    GRADED_VIRTUAL(run_limited_holds_the_limit, "race"),
    GRADED_VIRTUAL(release_wakes_a_waiter, "deadlock"),
    GRADED_VIRTUAL(timeout_is_honoured, "timing"),
    GRADED_VIRTUAL(acquire_sleeps_until_release, "timing"),
    { 0 }
};
