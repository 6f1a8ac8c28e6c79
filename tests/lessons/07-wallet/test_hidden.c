/* test_hidden.c - lesson 07's hidden tests (not in the student handout). */
#include "test_support.h"

START_TEST(zero_amounts)
{
    wallet_t *w = wallet_new(0);
    HARNESS_CHECK(w != NULL, "wallet_new(0) returned NULL");
    taker t;
    start_taker(&t, w, 0, 0);
    HARNESS_CHECK(returned(&t, 1, 1, 2000) == 1, "wallet_take(0) on an empty wallet had not "
                  "returned after 2 s");
    harness_thread_join(t.thread);
    HARNESS_CHECK(wallet_take_timeout(w, 0, 0), "wallet_take_timeout(0, 0 ms) returned false");
    wallet_put(w, 0);
    HARNESS_CHECK(wallet_balance(w) == 0, "balance %ld, expected 0", wallet_balance(w));
    wallet_free(w);
}
END_TEST

/* The money arrives 1 s into a 5 s timed take (virtual time, harness.h):
 * it succeeds when the put comes, not later (1 ms of tolerance). */
START_TEST(timed_take_succeeds_when_money_arrives)
{
    harness_virtual_time(true);
    wallet_t *w = wallet_new(0);
    HARNESS_CHECK(w != NULL, "wallet_new(0) returned NULL");
    taker t;
    start_taker(&t, w, 30, 5000);
    harness_sleep_ms(1000);
    wallet_put(w, 40);
    harness_thread_join(t.thread);
    HARNESS_CHECK(t.result, "wallet_take_timeout(30, 5000 ms) returned false although 40 was "
                  "put in 1000 ms into the wait");
    HARNESS_CHECK(t.took_ms >= 1000.0 && t.took_ms <= 1001.0, "wallet_take_timeout(30, 5000 ms) "
                  "returned after %.1f ms though 40 was put in after 1000 ms: it should wake "
                  "at once", t.took_ms);
    HARNESS_CHECK(wallet_balance(w) == 10, "40 put, 30 taken: balance %ld", wallet_balance(w));
    wallet_free(w);
}
END_TEST

/* The curriculum's case: takers wait for DIFFERENT amounts. A put that only
 * covers the small one must reach the small one, whoever else is waiting. */
START_TEST(waiters_for_different_amounts)
{
    for (int trial = 0; trial < 6; trial++) {
        wallet_t *w = wallet_new(0);
        HARNESS_CHECK(w != NULL, "wallet_new(0) returned NULL");
        taker t[3];
        long amounts[3] = { 100, 10, 100 };
        for (int i = 0; i < 3; i++) /* the small one starts first, second or last */
            start_taker(&t[i], w, amounts[(i + trial) % 3], 0);
        settle(t, 3);
        HARNESS_CHECK(returned(t, 3, 0, 0) == 0, "a wallet_take returned from an empty wallet");
        wallet_put(w, 10);
        unsigned ms = harness_under_tsan() ? 3000 : 1000;
        int got = returned(t, 3, 1, ms);
        HARNESS_CHECK(got == 1, "takers of 100, 10 and 100 were waiting and 10 was put in: %d of "
                      "them returned within %u ms (expected the taker of 10). The wake-up went "
                      "to a taker that cannot go on: use pthread_cond_broadcast.", got, ms);
        wallet_put(w, 200);
        got = returned(t, 3, 3, ms);
        HARNESS_CHECK(got == 3, "after 200 more was put in, %d of 3 takers had returned within "
                      "%u ms", got, ms);
        for (int i = 0; i < 3; i++)
            harness_thread_join(t[i].thread);
        HARNESS_CHECK(wallet_balance(w) == 0, "210 put, 210 taken: balance %ld", wallet_balance(w));
        wallet_free(w);
    }
}
END_TEST

START_TEST(eight_takers_one_put)
{
    enum { N = 8 };
    wallet_t *w = wallet_new(0);
    HARNESS_CHECK(w != NULL, "wallet_new(0) returned NULL");
    taker t[N];
    for (int i = 0; i < N; i++)
        start_taker(&t[i], w, 5, i % 2 ? 20000 : 0);
    settle(t, N);
    wallet_put(w, 5 * N);
    unsigned ms = harness_under_tsan() ? 3000 : 1000;
    int got = returned(t, N, N, ms);
    HARNESS_CHECK(got == N, "one put of %d with %d takers of 5 waiting: %d returned within %u ms",
                  5 * N, N, got, ms);
    for (int i = 0; i < N; i++)
        harness_thread_join(t[i].thread);
    wallet_free(w);
}
END_TEST

/* Seed 001 Putter/Taker: a putter trickles money in while takers of several
 * sizes (some with a timeout) take it out. The trace must show every take
 * covered by money put in before it. */
START_TEST(takes_always_covered)
{
    enum { N = 6 };
    wallet_t *w = wallet_new(0);
    HARNESS_CHECK(w != NULL, "wallet_new(0) returned NULL");
    harness_trace_reset();
    taker t[N];
    long total = 0;
    for (int i = 0; i < N; i++) {
        long a = 5 + 7 * i;
        total += a;
        start_taker(&t[i], w, a, i % 3 == 2 ? 20000 : 0);
    }
    settle(t, N);
    for (long left = total; left > 0; left -= 4) {
        put(w, left < 4 ? left : 4);
        harness_sleep_ms(1);
    }
    int got = returned(t, N, N, 3000);
    check_supply(0);
    HARNESS_CHECK(got == N, "%d of %d takers had returned 3 s after enough money for all of them "
                  "was put in", got, N);
    for (int i = 0; i < N; i++) {
        harness_thread_join(t[i].thread);
        HARNESS_CHECK(t[i].result, "a wallet_take_timeout(%ld, 20 s) returned false", t[i].amount);
    }
    HARNESS_CHECK(wallet_balance(w) == 0, "everything put was taken, yet the balance is %ld",
                  wallet_balance(w));
    wallet_free(w);
}
END_TEST

/* Blocking takers and putters at once, exact totals, under ThreadSanitizer. */
typedef struct pt {
    wallet_t *w;
    harness_gate *gate;
    int n;
    bool putter;
} pt;

/* a->n puts (or takes) of 3 in a row, in the student's process. */
static void *pt_body(void *p)
{
    pt *a = p;
    harness_gate_wait(a->gate, 5000);
    for (int done = 0; done < a->n; done += (int)harness_repeat_results()->calls) {
        harness_repeat((uint64_t)(a->n - done));
        if (a->putter)
            wallet_put(a->w, 3);
        else
            wallet_take(a->w, 3);
    }
    return NULL;
}

START_TEST(blocking_takes_balance_out)
{
    enum { T = 4 };
    wallet_t *w = wallet_new(0);
    HARNESS_CHECK(w != NULL, "wallet_new(0) returned NULL");
    harness_gate *g = harness_gate_new(T);
    pt a[T];
    pthread_t th[T];
    int n = harness_under_tsan() ? 200 : 5000;
    for (int i = 0; i < T; i++) {
        a[i] = (pt){ w, g, n, i % 2 == 0 };
        harness_thread_start(&th[i], pt_body, &a[i]);
    }
    for (int i = 0; i < T; i++)
        harness_thread_join(th[i]);
    harness_gate_free(g);
    HARNESS_CHECK(wallet_balance(w) == 0, "two threads put 3 and two took 3, %d times each: the "
                  "balance should be 0 but is %ld", n, wallet_balance(w));
    wallet_free(w);
}
END_TEST

/* Virtual time: a zero timeout takes no time at all; a 20 s one, exactly
 * 20 s (1 ms of tolerance), although puts too small wake it every 3 s. */
START_TEST(zero_timeout_returns_at_once)
{
    harness_virtual_time(true);
    wallet_t *w = wallet_new(1);
    HARNESS_CHECK(w != NULL, "wallet_new(1) returned NULL");
    double t0 = harness_now_ms();
    bool r = wallet_take_timeout(w, 2, 0);
    double took = harness_now_ms() - t0;
    HARNESS_CHECK(!r && took <= 1.0, "wallet_take_timeout(2, 0 ms) with 1 in the wallet returned "
                  "%s after %.1f ms (expected false at once)", r ? "true" : "false", took);
    taker t;
    start_taker(&t, w, 100, 20000);
    for (int i = 0; i < 6; i++) {
        harness_sleep_ms(3000);
        wallet_put(w, 1);
    }
    harness_thread_join(t.thread);
    HARNESS_CHECK(!t.result && t.took_ms >= 19999.0 && t.took_ms <= 20001.0,
                  "wallet_take_timeout(100, 20000 ms) with 1 to 7 in the wallet returned %s "
                  "after %.1f ms (expected false after 20000 ms; puts too small woke it every "
                  "3000 ms): keep one absolute deadline for the whole wait",
                  t.result ? "true" : "false", t.took_ms);
    wallet_free(w);
}
END_TEST

const graded_test hidden_tests[] = {
    GRADED(zero_amounts, "functional"),
    GRADED_VIRTUAL(timed_take_succeeds_when_money_arrives, "functional"),
    GRADED(waiters_for_different_amounts, "deadlock"),
    GRADED(eight_takers_one_put, "deadlock"),
    GRADED(takes_always_covered, "ordering"),
    GRADED(blocking_takes_balance_out, "race"),
    GRADED_VIRTUAL(zero_timeout_returns_at_once, "timing"),
    { 0 }
};
