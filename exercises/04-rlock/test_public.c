/* test_public.c - lesson 04's public tests: `make check` runs these. The
 * grader also runs hidden tests of the same kinds. "Another thread" is one
 * of the test's own threads (test_support.h): each has a thread of its own
 * in your process. Tests with other threads run on the grader's virtual
 * clock (harness.h): a 100 ms pause costs no real time, and it ends only
 * once every thread of your code is blocked or done, so what the test sees
 * after it does not depend on the machine's speed. */
#include "test_support.h"

/* Seed 003: mutexA = mutexB = RLock(); f1 takes A, then B (the same lock)
 * while holding A, and releases both. One thread, no waiting. */
START_TEST(nests_and_counts)
{
    harness_virtual_time(true); /* a second acquire that waits for itself: reported at once */
    rlock_t *l = rlock_new();
    HARNESS_CHECK(l != NULL, "rlock_new() returned NULL");
    HARNESS_CHECK(rlock_try_acquire(l), "rlock_try_acquire on a new (free) lock returned false");
    rlock_acquire(l); /* returns: the caller owns it */
    rlock_acquire(l);
    for (int i = 1; i <= 3; i++) {
        char what[96];
        snprintf(what, sizeof what, "acquired 3 times (try, acquire, acquire), release %d of 3", i);
        CHECK_RELEASE(rlock_release(l), 0, what);
    }
    CHECK_RELEASE(rlock_release(l), EPERM,
                  "acquired 3 times and released 3 times, a 4th release (the caller no longer "
                  "holds the lock)");
    /* f1 of the seed, twice. */
    for (int round = 0; round < 2; round++) {
        rlock_acquire(l); /* mutexA.acquire() */
        rlock_acquire(l); /* mutexB.acquire(): the same lock */
        CHECK_RELEASE(rlock_release(l), 0, "A, B acquired (one lock), release B");
        CHECK_RELEASE(rlock_release(l), 0, "A, B acquired (one lock), release A");
    }
    CHECK_RELEASE(rlock_release(l), EPERM, "a free lock released");
    rlock_free(l);
}
END_TEST

/* While one thread holds the lock, at whatever depth, no other thread may
 * take it or release it; after the owner's last release, another can. */
START_TEST(other_threads_wait_their_turn)
{
    harness_virtual_time(true);
    rlock_t *l = rlock_new();
    HARNESS_CHECK(l != NULL, "rlock_new() returned NULL");
    script s;
    rlock_acquire(l);
    rlock_acquire(l);
    run_elsewhere(&s, l, (int[]){ OP_TRY, OP_RELEASE }, 2);
    HARNESS_CHECK(s.res[0] == 0, "the main thread acquired the lock twice; then another "
                  "thread's rlock_try_acquire returned true. Only the owner may take it again");
    CHECK_RELEASE(s.res[1], EPERM, "the main thread holds the lock, another thread calls it");
    CHECK_RELEASE(rlock_release(l), 0, "the owner, after acquiring twice, its 1st release");
    run_elsewhere(&s, l, (int[]){ OP_TRY }, 1);
    HARNESS_CHECK(s.res[0] == 0, "the main thread acquired the lock twice and released it "
                  "once; then another thread's rlock_try_acquire returned true. The lock is "
                  "free only after the owner's last release");
    CHECK_RELEASE(rlock_release(l), 0, "the owner, after acquiring twice, its 2nd release");
    run_elsewhere(&s, l, (int[]){ OP_TRY, OP_TRY, OP_RELEASE, OP_RELEASE, OP_RELEASE }, 5);
    HARNESS_CHECK(s.res[0] == 1, "the main thread acquired the lock twice and released it "
                  "twice; then another thread's rlock_try_acquire returned false: the lock "
                  "should be free");
    HARNESS_CHECK(s.res[1] == 1, "a thread that holds the lock called rlock_try_acquire again "
                  "and got false: the owner may take it again");
    CHECK_RELEASE(s.res[2], 0, "a thread that took the lock twice, its 1st release");
    CHECK_RELEASE(s.res[3], 0, "a thread that took the lock twice, its 2nd release");
    CHECK_RELEASE(s.res[4], EPERM, "a thread that took the lock twice, a 3rd release");
    CHECK_RELEASE(rlock_release(l), EPERM, "the main thread, which no longer holds the lock");
    rlock_free(l);
}
END_TEST

/* A thread blocked in rlock_acquire gets the lock at the owner's LAST
 * release, not before, and not never. */
START_TEST(waiter_wakes_at_last_release)
{
    harness_virtual_time(true);
    rlock_t *l = rlock_new();
    HARNESS_CHECK(l != NULL, "rlock_new() returned NULL");
    rlock_acquire(l);
    rlock_acquire(l);
    waiter w;
    start_waiter(&w, l, NULL, 0);
    harness_sleep_ms(100);
    HARNESS_CHECK(!atomic_load(&w.got), "the main thread acquired the lock twice; then "
                  "rlock_acquire in another thread returned: it must wait for the owner");
    CHECK_RELEASE(rlock_release(l), 0, "the owner, after acquiring twice, its 1st release");
    harness_sleep_ms(100);
    HARNESS_CHECK(!atomic_load(&w.got), "the owner acquired the lock twice and released it "
                  "once; then the thread waiting in rlock_acquire got it. The lock is free "
                  "only after the owner's last release");
    CHECK_RELEASE(rlock_release(l), 0, "the owner, after acquiring twice, its 2nd release");
    harness_sleep_ms(1000);
    HARNESS_CHECK(atomic_load(&w.got), "the owner released the lock for the last time, and "
                  "the thread waiting in rlock_acquire was still blocked 1 s later: wake a "
                  "waiter (signal the condition variable) when the depth reaches 0");
    harness_thread_join(w.thread);
    CHECK_RELEASE(w.release_rc, 0, "the thread that waited, got the lock and released it");
    HARNESS_CHECK(rlock_try_acquire(l), "every thread released the lock; then "
                  "rlock_try_acquire returned false");
    CHECK_RELEASE(rlock_release(l), 0, "after rlock_try_acquire");
    rlock_free(l);
}
END_TEST

/* Seed 003: ten threads (five under ThreadSanitizer) share
 * mutexA = mutexB = RLock(). Each runs f1 (A, B, release B, release A)
 * and then f2 (B, sleep 0.1 s, A, release A, release B). A lock that is
 * not re-entrant deadlocks at the second acquire; one that does not wake
 * waiters leaves threads stuck. */
typedef struct seed_thread {
    rlock_t *l;
    atomic_int *inside;
    int overlap;     /* times another thread was found holding the lock too */
    long bad_release; /* the first release that did not return 0 (0: none) */
    atomic_bool done;
} seed_thread;

static void enter(seed_thread *s)
{
    if (atomic_fetch_add(s->inside, 1) != 0)
        s->overlap++;
}

static void *seed_body(void *p)
{
    seed_thread *s = p;
    long rc[4];
    /* f1 */
    rlock_acquire(s->l);
    enter(s);
    rlock_acquire(s->l);
    atomic_fetch_sub(s->inside, 1);
    rc[0] = rlock_release(s->l);
    rc[1] = rlock_release(s->l);
    /* f2 */
    rlock_acquire(s->l);
    enter(s);
    harness_sleep_ms(100);
    rlock_acquire(s->l);
    atomic_fetch_sub(s->inside, 1);
    rc[2] = rlock_release(s->l);
    rc[3] = rlock_release(s->l);
    for (int i = 0; i < 4; i++)
        if (rc[i] != 0 && s->bad_release == 0)
            s->bad_release = rc[i];
    atomic_store(&s->done, true);
    return NULL;
}

START_TEST(seed_ten_threads_one_rlock)
{
    enum { MAX = 10 };
    const int N = harness_under_tsan() ? 5 : MAX; /* ThreadSanitizer is slow */
    harness_virtual_time(true);
    rlock_t *l = rlock_new();
    HARNESS_CHECK(l != NULL, "rlock_new() returned NULL");
    atomic_int inside = 0;
    static seed_thread s[MAX];
    pthread_t t[MAX];
    for (int i = 0; i < N; i++) {
        s[i] = (seed_thread){ .l = l, .inside = &inside };
        harness_thread_start(&t[i], seed_body, &s[i]);
    }
    harness_sleep_ms(N * 100 + 5000);
    int done = 0;
    for (int i = 0; i < N; i++)
        done += atomic_load(&s[i].done);
    HARNESS_CHECK(done == N, "%d threads each took the lock (twice, nested) and held it "
                  "0.1 s: %d of them were still not done 5 s after all could have finished. "
                  "A thread blocked in rlock_acquire must get the lock once the owner's "
                  "last release frees it", N, N - done);
    for (int i = 0; i < N; i++) {
        harness_thread_join(t[i]);
        HARNESS_CHECK(s[i].overlap == 0, "thread %d got the lock from rlock_acquire while "
                      "another thread held it", i + 1);
        char b[24];
        HARNESS_CHECK(s[i].bad_release == 0, "thread %d released the lock it held and "
                      "rlock_release returned %s, expected 0", i + 1,
                      rc_name(s[i].bad_release, b, sizeof b));
    }
    rlock_free(l);
}
END_TEST

/* Many threads nest, try and release at once, in batches of calls that run
 * back to back in your process (harness_batch_begin): under
 * ThreadSanitizer, any read or write of the owner or the depth that is not
 * synchronised is a data race. Every result is checked too. */
typedef struct churner {
    rlock_t *l;
    bool owner;   /* nests; else tries once and releases */
    int rounds;
    char why[160]; /* the first wrong result */
} churner;

static void *churn_body(void *p)
{
    churner *c = p;
    enum { PER_BATCH = 8 };
    for (int done = 0; done < c->rounds && !c->why[0]; done += PER_BATCH) {
        size_t n;
        harness_batch_begin();
        for (int k = 0; k < PER_BATCH; k++) {
            if (c->owner) {
                rlock_acquire(c->l);
                rlock_acquire(c->l);
                rlock_try_acquire(c->l);
                for (int r = 0; r < 4; r++)
                    rlock_release(c->l);
            } else {
                rlock_try_acquire(c->l);
                rlock_release(c->l);
            }
        }
        const uint64_t *v = harness_batch_end(&n);
        for (size_t i = 0; i < n && !c->why[0]; i++) {
            if (c->owner) {
                static const long want[7] = { 0, 0, 1, 0, 0, 0, EPERM };
                static const char *const what[7] = {
                    "rlock_acquire", "rlock_acquire", "rlock_try_acquire by the owner",
                    "the 1st of 3 releases", "the 2nd of 3 releases", "the 3rd of 3 releases",
                    "a 4th release (no longer the owner)"
                };
                size_t j = i % 7;
                long got = j == 2 ? (v[i] != 0) : (long)(int)v[i];
                char b1[24], b2[24];
                if (got != want[j] && j == 2)
                    snprintf(c->why, sizeof c->why, "a thread acquired the lock twice; then "
                             "%s returned false", what[j]);
                else if (got != want[j])
                    snprintf(c->why, sizeof c->why, "a thread acquired the lock twice and "
                             "tried it once; %s returned %s, expected %s", what[j],
                             rc_name(got, b1, sizeof b1), rc_name(want[j], b2, sizeof b2));
            } else if (i % 2 == 1) {
                bool took = v[i - 1] != 0;
                long rc = (long)(int)v[i];
                char b1[24];
                if (rc != (took ? 0 : EPERM))
                    snprintf(c->why, sizeof c->why, "rlock_try_acquire returned %s, then "
                             "rlock_release returned %s, expected %s",
                             took ? "true" : "false", rc_name(rc, b1, sizeof b1),
                             took ? "0" : "EPERM");
            }
        }
    }
    return NULL;
}

START_TEST(owner_checked_without_data_race)
{
    harness_virtual_time(true); /* a call that never returns: reported at once */
    enum { T = 4 };
    int rounds = harness_under_tsan() ? 200 : 1500;
    rlock_t *l = rlock_new();
    HARNESS_CHECK(l != NULL, "rlock_new() returned NULL");
    churner c[T];
    pthread_t t[T];
    for (int i = 0; i < T; i++) {
        c[i] = (churner){ .l = l, .owner = i != T - 1, .rounds = rounds };
        harness_thread_start(&t[i], churn_body, &c[i]);
    }
    for (int i = 0; i < T; i++) {
        harness_thread_join(t[i]);
        HARNESS_CHECK(!c[i].why[0], "%d threads nesting and trying at once: %s", T, c[i].why);
    }
    rlock_free(l);
}
END_TEST

/* Holders that nest and a thread that polls with rlock_try_acquire: the
 * test counts the threads holding the lock while each holds it for 1 ms
 * (virtual): never more than one. */
typedef struct taker {
    rlock_t *l;
    atomic_int *inside;
    bool tries;
    int rounds, overlap;
    long bad_release;
} taker;

static void *take_body(void *p)
{
    taker *k = p;
    for (int i = 0; i < k->rounds; i++) {
        if (k->tries) {
            while (!rlock_try_acquire(k->l))
                harness_sleep_ms(0.7);
        } else {
            rlock_acquire(k->l);
        }
        if (atomic_fetch_add(k->inside, 1) != 0)
            k->overlap++;
        rlock_acquire(k->l); /* nested */
        harness_sleep_ms(1);
        long rc = rlock_release(k->l);
        atomic_fetch_sub(k->inside, 1);
        long rc2 = rlock_release(k->l);
        if ((rc || rc2) && !k->bad_release)
            k->bad_release = rc ? rc : rc2;
    }
    return NULL;
}

START_TEST(one_holder_at_a_time)
{
    enum { T = 4 };
    harness_virtual_time(true);
    rlock_t *l = rlock_new();
    HARNESS_CHECK(l != NULL, "rlock_new() returned NULL");
    atomic_int inside = 0;
    taker k[T];
    pthread_t t[T];
    for (int i = 0; i < T; i++) {
        k[i] = (taker){ .l = l, .inside = &inside, .tries = i == 0, .rounds = 4 };
        harness_thread_start(&t[i], take_body, &k[i]);
    }
    for (int i = 0; i < T; i++) {
        harness_thread_join(t[i]);
        HARNESS_CHECK(k[i].overlap == 0, "%s returned true in thread %d while another thread "
                      "held the lock (%d times): only one thread may hold it at a time",
                      k[i].tries ? "rlock_try_acquire" : "rlock_acquire", i + 1,
                      k[i].overlap);
        char b[24];
        HARNESS_CHECK(k[i].bad_release == 0, "thread %d released the lock it held and "
                      "rlock_release returned %s, expected 0", i + 1,
                      rc_name(k[i].bad_release, b, sizeof b));
    }
    rlock_free(l);
}
END_TEST

const graded_test public_tests[] = {
    GRADED_VIRTUAL(nests_and_counts, "functional"),
    GRADED_VIRTUAL(other_threads_wait_their_turn, "functional"),
    GRADED_VIRTUAL(waiter_wakes_at_last_release, "deadlock"),
    GRADED(seed_ten_threads_one_rlock, "deadlock"),
    GRADED_VIRTUAL(owner_checked_without_data_race, "race"),
    GRADED(one_holder_at_a_time, "race"),
    { 0 }
};
