/* thread_count.c - the unit test of the engine's count of the threads the
 * student's code starts (grader/harness/intercept.c, c11threads.c): what
 * lessons 21 and 22 use to prove "one thread means one thread", and every
 * lesson to find leaked threads and failed creations handled badly. Built
 * with the engine's sources (not the subject's main) and run by
 * tests/suites/45-engine.sh; exit status 0 when every check holds, else 1
 * with the failed check on stderr.
 *
 * Checks: no thread is counted before any is started; a pthread_create and
 * a C11 thrd_create each count one, joinable or detached; a thread counts as
 * running until it returns or calls pthread_exit, then no longer; a reset
 * (a new test) zeroes the count of creations; an injected failure lets the
 * first n creations through, then fails with the errno asked (the thread is
 * neither started nor counted) until disarmed.
 */
#include "intercept.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <threads.h>
#include <time.h>

int grader_thrd_create(thrd_t *t, thrd_start_t fn, void *arg);

/* The subject sends records to the judge; here there is no judge. */
void harness_chan_record(const char *kind, const char *text)
{
    (void)kind;
    (void)text;
}

#define CHECK(cond, what)                                       \
    do {                                                        \
        if (!(cond)) {                                          \
            fprintf(stderr, "thread_count: failed: %s\n", what); \
            return 1;                                           \
        }                                                       \
    } while (0)

static atomic_int ran;
static atomic_bool release;

static void *counts(void *arg)
{
    atomic_fetch_add(&ran, 1);
    return arg;
}

static void *waits_then_exits(void *arg)
{
    while (!atomic_load(&release)) {
        struct timespec ms = { 0, 1000000 };
        nanosleep(&ms, NULL);
    }
    pthread_exit(arg);
}

static int c11_counts(void *arg)
{
    (void)arg;
    atomic_fetch_add(&ran, 1);
    return 0;
}

/* Waits (up to 2 s) until `n` started threads are running. */
static int live_becomes(int n)
{
    for (int i = 0; i < 2000 && intercept_live_threads() != n; i++) {
        struct timespec ms = { 0, 1000000 };
        nanosleep(&ms, NULL);
    }
    return intercept_live_threads() == n;
}

int main(void)
{
    CHECK(intercept_threads_created() == 0 && intercept_live_threads() == 0, "none at start");

    pthread_t t;
    CHECK(grader_pthread_create(&t, NULL, counts, NULL) == 0, "pthread_create");
    CHECK(pthread_join(t, NULL) == 0, "join");
    thrd_t c;
    CHECK(grader_thrd_create(&c, c11_counts, NULL) == thrd_success, "thrd_create");
    CHECK(thrd_join(c, NULL) == thrd_success, "thrd_join");
    CHECK(intercept_threads_created() == 2, "a pthread and a C11 thread count 2 creations");
    CHECK(live_becomes(0), "both returned: none running");

    pthread_attr_t detached;
    pthread_attr_init(&detached);
    pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED);
    CHECK(grader_pthread_create(&t, &detached, waits_then_exits, NULL) == 0, "detached create");
    pthread_attr_destroy(&detached);
    CHECK(intercept_threads_created() == 3, "a detached thread counts too");
    CHECK(intercept_live_threads() == 1, "a waiting detached thread is running");
    atomic_store(&release, true);
    CHECK(live_becomes(0), "after pthread_exit it no longer runs");

    intercept_reset();
    CHECK(intercept_threads_created() == 0, "a reset zeroes the creations");

    intercept_fail_create(2, EAGAIN, false);
    pthread_t ok[2];
    CHECK(grader_pthread_create(&ok[0], NULL, counts, NULL) == 0, "first of two allowed");
    CHECK(grader_thrd_create(&c, c11_counts, NULL) == thrd_success, "second of two allowed");
    CHECK(thrd_join(c, NULL) == thrd_success, "thrd_join");
    CHECK(grader_pthread_create(&ok[1], NULL, counts, NULL) == EAGAIN, "third fails: EAGAIN");
    CHECK(grader_thrd_create(&c, c11_counts, NULL) == thrd_nomem ||
              grader_thrd_create(&c, c11_counts, NULL) == thrd_error,
          "a C11 creation fails too");
    CHECK(intercept_threads_created() == 2, "failed creations are not counted");
    intercept_fail_create(-1, 0, false);
    CHECK(grader_pthread_create(&ok[1], NULL, counts, NULL) == 0, "disarmed: creations work");
    pthread_join(ok[0], NULL);
    pthread_join(ok[1], NULL);
    CHECK(live_becomes(0), "all joined: none running");
    CHECK(atomic_load(&ran) == 5, "every started thread ran, no failed one did");
    return 0;
}
