/* test_hidden.c - lesson 04's hidden tests (not in the student handout):
 * a release by a thread that does not hold the lock changes nothing; the
 * depth never goes below zero; deep nesting; several waiters each served;
 * releases by non-owners racing with the owner's; the lock handed from one
 * thread to the next with nothing else between them. Helpers: test_support.h
 * and grader/harness/harness.h. */
#include "test_support.h"

/* A non-owner's releases, however many, return EPERM and change nothing:
 * the owner still holds the lock at its full depth (no one else can take
 * it, a waiter stays blocked) and releases it with as many calls as it
 * acquired it. */
START_TEST(non_owner_release_changes_nothing)
{
    harness_virtual_time(true);
    rlock_t *l = rlock_new();
    HARNESS_CHECK(l != NULL, "rlock_new() returned NULL");
    script s;
    rlock_acquire(l);
    rlock_acquire(l);
    waiter w;
    start_waiter(&w, l, NULL, 0);
    run_elsewhere(&s, l, (int[]){ OP_RELEASE, OP_RELEASE, OP_RELEASE, OP_TRY }, 4);
    for (int i = 0; i < 3; i++) {
        char what[128];
        snprintf(what, sizeof what, "the main thread holds the lock (acquired twice); another "
                 "thread's release %d of 3", i + 1);
        CHECK_RELEASE(s.res[i], EPERM, what);
    }
    HARNESS_CHECK(s.res[3] == 0, "the main thread holds the lock (acquired twice); another "
                  "thread called rlock_release 3 times (EPERM) and then rlock_try_acquire, "
                  "which returned true: a refused release must change nothing");
    harness_sleep_ms(100);
    HARNESS_CHECK(!atomic_load(&w.got), "the main thread holds the lock (acquired twice); "
                  "another thread called rlock_release 3 times (EPERM) and then a thread "
                  "waiting in rlock_acquire got the lock: a refused release must change "
                  "nothing");
    CHECK_RELEASE(rlock_release(l), 0, "the owner, after other threads' refused releases, its "
                  "1st of 2 releases");
    harness_sleep_ms(100);
    HARNESS_CHECK(!atomic_load(&w.got), "the owner acquired twice and released once (after "
                  "other threads' refused releases); then the waiting thread got the lock");
    CHECK_RELEASE(rlock_release(l), 0, "the owner, after other threads' refused releases, its "
                  "2nd of 2 releases");
    harness_sleep_ms(1000);
    HARNESS_CHECK(atomic_load(&w.got), "the owner released the lock for the last time and the "
                  "thread waiting in rlock_acquire was still blocked 1 s later");
    harness_thread_join(w.thread);
    CHECK_RELEASE(w.release_rc, 0, "the thread that waited and got the lock");
    CHECK_RELEASE(rlock_release(l), EPERM, "the main thread, which no longer holds the lock");
    rlock_free(l);
}
END_TEST

/* The depth never goes below zero: releases beyond the acquisitions, by
 * the last owner or by anyone, return EPERM, and the lock is then still
 * free for everyone, once. */
START_TEST(release_of_free_lock_is_eperm)
{
    harness_virtual_time(true);
    rlock_t *l = rlock_new();
    HARNESS_CHECK(l != NULL, "rlock_new() returned NULL");
    script s;
    CHECK_RELEASE(rlock_release(l), EPERM, "a new lock, never acquired, released");
    rlock_acquire(l);
    CHECK_RELEASE(rlock_release(l), 0, "acquired once, released once");
    CHECK_RELEASE(rlock_release(l), EPERM, "acquired once, released once, a 2nd release");
    CHECK_RELEASE(rlock_release(l), EPERM, "acquired once, released once, a 3rd release");
    run_elsewhere(&s, l, (int[]){ OP_TRY, OP_RELEASE, OP_RELEASE }, 3);
    HARNESS_CHECK(s.res[0] == 1, "the main thread acquired and released the lock (and then "
                  "released it twice more: EPERM); another thread's rlock_try_acquire "
                  "returned false: the lock should be free");
    CHECK_RELEASE(s.res[1], 0, "the other thread, after its rlock_try_acquire");
    CHECK_RELEASE(s.res[2], EPERM, "the other thread, a 2nd release");
    HARNESS_CHECK(rlock_try_acquire(l), "the lock is free again; rlock_try_acquire returned "
                  "false");
    run_elsewhere(&s, l, (int[]){ OP_TRY }, 1);
    HARNESS_CHECK(s.res[0] == 0, "the main thread took the lock again (after releases that "
                  "returned EPERM) and another thread's rlock_try_acquire returned true: "
                  "did a refused release count the depth below zero?");
    CHECK_RELEASE(rlock_release(l), 0, "the main thread, holding the lock once");
    CHECK_RELEASE(rlock_release(l), EPERM, "the main thread, released once more");
    rlock_free(l);
}
END_TEST

/* 1000 levels deep (each run of calls back to back in your process). */
START_TEST(deep_nesting)
{
    enum { DEPTH = 1000 };
    harness_virtual_time(true);
    rlock_t *l = rlock_new();
    HARNESS_CHECK(l != NULL, "rlock_new() returned NULL");
    script s;
    harness_repeat(DEPTH);
    rlock_acquire(l);
    HARNESS_CHECK(harness_repeat_results()->calls == DEPTH, "rlock_acquire %d times in a row: "
                  "only %llu calls returned", DEPTH,
                  (unsigned long long)harness_repeat_results()->calls);
    harness_repeat(DEPTH - 1);
    rlock_release(l);
    const harness_repeat_result *r = harness_repeat_results();
    HARNESS_CHECK(r->calls == DEPTH - 1 && r->nruns == 1 && r->runs[0].value == 0,
                  "acquired %d times, the first %d releases should each return 0: %s", DEPTH,
                  DEPTH - 1, r->nruns == 1 ? "some did not return" : "some did not return 0");
    run_elsewhere(&s, l, (int[]){ OP_TRY }, 1);
    HARNESS_CHECK(s.res[0] == 0, "the main thread acquired the lock %d times and released it "
                  "%d times; another thread's rlock_try_acquire returned true", DEPTH,
                  DEPTH - 1);
    CHECK_RELEASE(rlock_release(l), 0, "acquired 1000 times, the 1000th release");
    CHECK_RELEASE(rlock_release(l), EPERM, "acquired 1000 times, a 1001st release");
    run_elsewhere(&s, l, (int[]){ OP_TRY, OP_RELEASE }, 2);
    HARNESS_CHECK(s.res[0] == 1, "after 1000 acquisitions and 1000 releases, another "
                  "thread's rlock_try_acquire returned false");
    CHECK_RELEASE(s.res[1], 0, "the other thread, after its rlock_try_acquire");
    rlock_free(l);
}
END_TEST

/* Five threads wait while the owner holds the lock three deep; after its
 * last release they get it one at a time, each holding it 10 ms (virtual),
 * and each gets it. */
START_TEST(every_waiter_served)
{
    enum { N = 5 };
    harness_virtual_time(true);
    rlock_t *l = rlock_new();
    HARNESS_CHECK(l != NULL, "rlock_new() returned NULL");
    atomic_int inside = 1; /* the main thread */
    rlock_acquire(l);
    rlock_acquire(l);
    rlock_acquire(l);
    waiter w[N];
    for (int i = 0; i < N; i++)
        start_waiter(&w[i], l, &inside, 10);
    for (int r = 1; r <= 3; r++) {
        harness_sleep_ms(100);
        int got = 0;
        for (int i = 0; i < N; i++)
            got += atomic_load(&w[i].got);
        HARNESS_CHECK(got == 0, "the main thread acquired the lock 3 times and released it %d "
                      "times; meanwhile %d of the %d threads waiting in rlock_acquire got it",
                      r - 1, got, N);
        if (r == 3)
            atomic_fetch_sub(&inside, 1);
        char what[64];
        snprintf(what, sizeof what, "the owner, acquired 3 times, release %d", r);
        CHECK_RELEASE(rlock_release(l), 0, what);
    }
    harness_sleep_ms(N * 10 + 1000);
    int got = 0;
    for (int i = 0; i < N; i++)
        got += atomic_load(&w[i].got);
    HARNESS_CHECK(got == N, "%d threads waited in rlock_acquire; after the owner's last "
                  "release, only %d of them got the lock (each held it 10 ms), the others "
                  "were still blocked 1 s later: each release that frees the lock must wake "
                  "a waiter", N, got);
    for (int i = 0; i < N; i++) {
        harness_thread_join(w[i].thread);
        HARNESS_CHECK(atomic_load(&w[i].overlap) == 0, "a thread got the lock from "
                      "rlock_acquire while another held it");
        CHECK_RELEASE(w[i].release_rc, 0, "a thread that waited and got the lock");
    }
    rlock_free(l);
}
END_TEST

/* One thread holds and releases, nested, over and over while others, which
 * never hold the lock, release it (EPERM every time) and try it: under
 * ThreadSanitizer, the owner check of rlock_release and rlock_try_acquire
 * races with the owner's writes unless it is synchronised. */
typedef struct stranger {
    rlock_t *l;
    int rounds;
    bool tries;
    char why[160];
} stranger;

static void *stranger_body(void *p)
{
    stranger *s = p;
    for (int done = 0; done < s->rounds && !s->why[0]; done += 64) {
        if (s->tries) {
            size_t n;
            harness_batch_begin();
            for (int k = 0; k < 32; k++) {
                rlock_try_acquire(s->l);
                rlock_release(s->l);
            }
            const uint64_t *v = harness_batch_end(&n);
            for (size_t i = 1; i < n && !s->why[0]; i += 2) {
                long rc = (long)(int)v[i];
                char b[24];
                if (rc != (v[i - 1] ? 0 : EPERM))
                    snprintf(s->why, sizeof s->why, "rlock_try_acquire returned %s, then "
                             "rlock_release returned %s, expected %s",
                             v[i - 1] ? "true" : "false", rc_name(rc, b, sizeof b),
                             v[i - 1] ? "0" : "EPERM");
            }
        } else {
            harness_repeat(64);
            rlock_release(s->l);
            const harness_repeat_result *r = harness_repeat_results();
            for (size_t i = 0; i < r->nruns && !s->why[0]; i++)
                if ((long)(int)r->runs[i].value != EPERM) {
                    char b[24];
                    snprintf(s->why, sizeof s->why, "a thread that never acquired the lock "
                             "called rlock_release and got %s, not EPERM",
                             rc_name((long)(int)r->runs[i].value, b, sizeof b));
                }
        }
    }
    return NULL;
}

typedef struct nester {
    rlock_t *l;
    int rounds;
    char why[160];
} nester;

static void *nester_body(void *p)
{
    nester *s = p;
    for (int done = 0; done < s->rounds && !s->why[0]; done += 16) {
        size_t n;
        harness_batch_begin();
        for (int k = 0; k < 16; k++) {
            rlock_acquire(s->l);
            rlock_acquire(s->l);
            rlock_release(s->l);
            rlock_release(s->l);
        }
        const uint64_t *v = harness_batch_end(&n);
        for (size_t i = 0; i < n && !s->why[0]; i++)
            if (i % 4 >= 2 && v[i] != 0) {
                char b[24];
                snprintf(s->why, sizeof s->why, "the owner's release %zu of 2 returned %s, "
                         "expected 0, while other threads called rlock_release too",
                         i % 4 - 1, rc_name((long)(int)v[i], b, sizeof b));
            }
    }
    return NULL;
}

START_TEST(strangers_release_while_owner_nests)
{
    harness_virtual_time(true); /* a call that never returns: reported at once */
    enum { S = 3 };
    int rounds = harness_under_tsan() ? 200 : 2000;
    rlock_t *l = rlock_new();
    HARNESS_CHECK(l != NULL, "rlock_new() returned NULL");
    nester ns = { .l = l, .rounds = rounds };
    stranger st[S];
    pthread_t tn, ts[S];
    harness_thread_start(&tn, nester_body, &ns);
    for (int i = 0; i < S; i++) {
        st[i] = (stranger){ .l = l, .rounds = rounds, .tries = i == 0 };
        harness_thread_start(&ts[i], stranger_body, &st[i]);
    }
    harness_thread_join(tn);
    for (int i = 0; i < S; i++)
        harness_thread_join(ts[i]);
    HARNESS_CHECK(!ns.why[0], "%s", ns.why);
    for (int i = 0; i < S; i++)
        HARNESS_CHECK(!st[i].why[0], "%s", st[i].why);
    HARNESS_CHECK(rlock_try_acquire(l), "every thread released the lock as often as it took "
                  "it; then rlock_try_acquire returned false");
    CHECK_RELEASE(rlock_release(l), 0, "after rlock_try_acquire");
    rlock_free(l);
}
END_TEST

/* The lock handed from one thread to another, with nothing but the lock
 * itself between them. Per round, a fresh lock and two new threads: A takes
 * and releases it, then meets B at a gate (which orders nothing in your
 * process); only then does B call: rlock_acquire first (odd rounds) or a
 * release it does not hold first (even rounds). B's first access to the
 * lock's state comes after all of A's, on every run: owner or depth read
 * before B takes the mutex, or written by A after it let the mutex go, is
 * a data race ThreadSanitizer sees whatever the schedule. */
typedef struct handover {
    rlock_t *l;
    harness_gate *gate;
    bool b_releases_first;
    long rc[3];
    bool a_lost, b_lost; /* the gate timed out */
} handover;

static void *hand_over_a(void *p)
{
    handover *h = p;
    harness_batch_begin();
    rlock_acquire(h->l);
    rlock_release(h->l);
    size_t n = 0;
    const uint64_t *v = harness_batch_end(&n);
    h->rc[0] = n == 2 ? (long)(int)v[1] : -1;
    h->a_lost = !harness_gate_wait(h->gate, 5000);
    return NULL;
}

static void *take_over_b(void *p)
{
    handover *h = p;
    if (!harness_gate_wait(h->gate, 5000)) {
        h->b_lost = true;
        return NULL;
    }
    if (h->b_releases_first)
        h->rc[1] = rlock_release(h->l);
    rlock_acquire(h->l);
    h->rc[2] = rlock_release(h->l);
    return NULL;
}

START_TEST(handed_over_between_calls)
{
    for (int round = 0; round < 8; round++) {
        handover h = { .l = rlock_new(), .gate = harness_gate_new(2),
                       .b_releases_first = round % 2 == 0, .rc = { 0, EPERM, 0 } };
        HARNESS_CHECK(h.l != NULL && h.gate != NULL, "rlock_new() returned NULL");
        pthread_t a, b;
        harness_thread_start(&a, hand_over_a, &h);
        harness_thread_start(&b, take_over_b, &h);
        harness_thread_join(a);
        harness_thread_join(b);
        HARNESS_CHECK(!h.a_lost && !h.b_lost, "a thread waited 5 s for the other (a call "
                      "that never returned?)");
        char got[24];
        HARNESS_CHECK(h.rc[0] == 0, "thread A called rlock_acquire, then rlock_release: it "
                      "returned %s, expected 0", rc_name(h.rc[0], got, sizeof got));
        HARNESS_CHECK(h.rc[1] == EPERM, "thread A took and released the lock; then thread B, "
                      "which never held it, called rlock_release: it returned %s, expected "
                      "EPERM", rc_name(h.rc[1], got, sizeof got));
        HARNESS_CHECK(h.rc[2] == 0, "thread A took and released the lock; then thread B "
                      "took it: its rlock_release returned %s, expected 0",
                      rc_name(h.rc[2], got, sizeof got));
        harness_gate_free(h.gate);
        rlock_free(h.l);
    }
}
END_TEST

const graded_test hidden_tests[] = {
    GRADED_VIRTUAL(non_owner_release_changes_nothing, "functional"),
    GRADED_VIRTUAL(release_of_free_lock_is_eperm, "functional"),
    GRADED(deep_nesting, "functional"),
    GRADED(every_waiter_served, "deadlock"),
    GRADED_VIRTUAL(strangers_release_while_owner_nests, "race"),
    GRADED(handed_over_between_calls, "race"),
    { 0 }
};
