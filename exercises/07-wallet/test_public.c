/* test_public.c - lesson 07's public tests: `make check` runs these.
 * The grader also runs hidden tests of the same kinds. Takers run on the
 * test's own threads; puts are recorded in the trace BEFORE they are made and
 * takes AFTER they returned, so a take that returns before its money was
 * there shows up in the trace. */
#include "test_support.h"

START_TEST(put_take_balance)
{
    wallet_t *w = wallet_new(100);
    HARNESS_CHECK(w != NULL, "wallet_new(100) returned NULL");
    HARNESS_CHECK(wallet_balance(w) == 100, "a new wallet with 100 has balance %ld",
                  wallet_balance(w));
    wallet_put(w, 50);
    HARNESS_CHECK(wallet_balance(w) == 150, "100 + put of 50 gives balance %ld", wallet_balance(w));
    wallet_take(w, 30);
    HARNESS_CHECK(wallet_balance(w) == 120, "150 - take of 30 gives balance %ld", wallet_balance(w));
    HARNESS_CHECK(!wallet_take_timeout(w, 200, 20), "wallet_take_timeout(200) succeeded with "
                  "only 120 in the wallet");
    HARNESS_CHECK(wallet_balance(w) == 120, "a failed take_timeout changed the balance from 120 "
                  "to %ld", wallet_balance(w));
    HARNESS_CHECK(wallet_take_timeout(w, 120, 20), "wallet_take_timeout(120) failed with 120 "
                  "in the wallet");
    HARNESS_CHECK(wallet_balance(w) == 0, "balance %ld after taking everything",
                  wallet_balance(w));
    wallet_free(w);
}
END_TEST

/* Seed 001 Account take/put: the taker waits until enough has been put in. */
START_TEST(take_waits_for_enough)
{
    wallet_t *w = wallet_new(0);
    HARNESS_CHECK(w != NULL, "wallet_new(0) returned NULL");
    harness_trace_reset();
    taker t;
    start_taker(&t, w, 50, 0);
    settle(&t, 1);
    HARNESS_CHECK(!atomic_load(&t.done), "wallet_take(50) returned while the wallet was empty");
    put(w, 20);
    harness_sleep_ms(100);
    HARNESS_CHECK(!atomic_load(&t.done), "wallet_take(50) returned when the wallet held only 20");
    put(w, 30);
    HARNESS_CHECK(returned(&t, 1, 1, 2000) == 1,
                  "wallet_take(50) was still waiting 2 s after the balance reached 50");
    harness_thread_join(t.thread);
    HARNESS_CHECK(wallet_balance(w) == 0, "after putting 20 + 30 and taking 50 the balance is %ld",
                  wallet_balance(w));
    check_supply(0);
    wallet_free(w);
}
END_TEST

/* Four takers of 10 asleep, then ONE put of 40: all four can go on, so all
 * four must be woken. */
START_TEST(one_put_wakes_everyone_who_can_go)
{
    enum { N = 4 };
    wallet_t *w = wallet_new(0);
    HARNESS_CHECK(w != NULL, "wallet_new(0) returned NULL");
    taker t[N];
    for (int i = 0; i < N; i++)
        start_taker(&t[i], w, 10, 0);
    HARNESS_CHECK(settle(t, N), "the takers did not go to sleep within 3 s: wallet_take should "
                  "block in pthread_cond_wait, not spin");
    HARNESS_CHECK(returned(t, N, 0, 0) == 0, "a wallet_take(10) returned from an empty wallet");
    wallet_put(w, 40);
    unsigned ms = harness_under_tsan() ? 3000 : 1000;
    int got = returned(t, N, N, ms);
    HARNESS_CHECK(got == N, "one wallet_put(40) with %d takers of 10 waiting: only %d of them "
                  "returned within %u ms, the others are still asleep with the money there (a "
                  "lost wake-up). Wake every taker: pthread_cond_broadcast.", N, got, ms);
    for (int i = 0; i < N; i++)
        harness_thread_join(t[i].thread);
    HARNESS_CHECK(wallet_balance(w) == 0, "balance %ld after 4 takes of 10 from 40",
                  wallet_balance(w));
    wallet_free(w);
}
END_TEST

/* Two takers of 10 asleep, one put of 10: only ONE may take it; the other
 * must wait for the next put. */
START_TEST(take_never_returns_before_the_money)
{
    enum { N = 2 };
    wallet_t *w = wallet_new(0);
    HARNESS_CHECK(w != NULL, "wallet_new(0) returned NULL");
    harness_trace_reset();
    taker t[N];
    for (int i = 0; i < N; i++)
        start_taker(&t[i], w, 10, 0);
    settle(t, N);
    put(w, 10);
    returned(t, N, 1, 2000);
    harness_sleep_ms(100);
    int early = returned(t, N, 0, 0);
    long bal = wallet_balance(w);
    put(w, 10);
    returned(t, N, N, 2000);
    check_supply(0);
    HARNESS_CHECK(early == 1 && bal == 0, "two takers of 10 were waiting and 10 was put in: %d "
                  "of them returned and the balance is %ld (expected 1 and 0)", early, bal);
    HARNESS_CHECK(returned(t, N, N, 0) == N, "a taker was still waiting 2 s after the second "
                  "put of 10");
    for (int i = 0; i < N; i++)
        harness_thread_join(t[i].thread);
    wallet_free(w);
}
END_TEST

/* Putters and takers at once; money is counted in and out. Under
 * ThreadSanitizer too. */
typedef struct mixer {
    wallet_t *w;
    harness_gate *gate;
    int ops;
    long put, taken;
    unsigned seed;
    long lowest;
} mixer;

/* Only reads the balance, the whole time the others run: m->ops reads in a
 * row in the student's process, every value checked. */
static void *read_body(void *p)
{
    mixer *m = p;
    harness_gate_wait(m->gate, 5000);
    for (int done = 0; done < m->ops;) {
        harness_repeat((uint64_t)(m->ops - done));
        (void)wallet_balance(m->w);
        const harness_repeat_result *r = harness_repeat_results();
        for (size_t i = 0; i < r->nruns; i++)
            if ((long)r->runs[i].value < m->lowest)
                m->lowest = (long)r->runs[i].value;
        done += (int)r->calls;
    }
    return NULL;
}

/* Random puts and timed takes, in batches of 1 to 64 equal calls that run
 * back to back in the student's process (a batch of takes stops at the
 * first refusal); every result is counted. A balance read every 64 calls. */
static void *mix_body(void *p)
{
    mixer *m = p;
    harness_gate_wait(m->gate, 5000);
    unsigned x = m->seed;
    for (int done = 0; done < m->ops;) {
        x = x * 1103515245u + 12345u;
        long amount = (long)(x >> 16) % 20 + 1;
        uint64_t times = (x >> 10) % 64 + 1;
        if (times > (uint64_t)(m->ops - done))
            times = (uint64_t)(m->ops - done);
        const harness_repeat_result *r;
        if ((x >> 8) & 1) {
            harness_repeat(times);
            wallet_put(m->w, amount);
            r = harness_repeat_results();
            m->put += amount * (long)r->calls;
        } else {
            harness_repeat_until(times, false);
            wallet_take_timeout(m->w, amount, 1);
            r = harness_repeat_results();
            for (size_t i = 0; i < r->nruns; i++)
                if (r->runs[i].value)
                    m->taken += amount * (long)r->runs[i].count;
        }
        if (done / 64 != (done + (int)r->calls) / 64)
            (void)wallet_balance(m->w);
        done += (int)r->calls;
    }
    return NULL;
}

START_TEST(money_conserved)
{
    enum { T = 4 }; /* three mixers and a reader */
    wallet_t *w = wallet_new(50);
    HARNESS_CHECK(w != NULL, "wallet_new(50) returned NULL");
    harness_gate *g = harness_gate_new(T);
    mixer m[T];
    pthread_t th[T];
    int ops = harness_under_tsan() ? 300 : 5000;
    for (int i = 0; i < T; i++) {
        m[i] = (mixer){ w, g, ops, 0, 0, (unsigned)harness_rand() | 1u, 0 };
        harness_thread_start(&th[i], i < T - 1 ? mix_body : read_body, &m[i]);
    }
    long in = 50, out = 0;
    for (int i = 0; i < T; i++) {
        harness_thread_join(th[i]);
        in += m[i].put;
        out += m[i].taken;
    }
    harness_gate_free(g);
    long bal = wallet_balance(w);
    wallet_free(w);
    HARNESS_CHECK(bal == in - out, "money was created or lost: 50 + %ld put - %ld taken should "
                  "leave %ld, but the balance is %ld", in - 50, out, in - out, bal);
    HARNESS_CHECK(bal >= 0 && m[T - 1].lowest >= 0, "the balance went negative: %ld",
          bal < m[T - 1].lowest ? bal : m[T - 1].lowest);
}
END_TEST

/* In virtual time (harness.h): the 5 s timeout costs no real time and must
 * give up after exactly 5000 virtual ms, although a put of 1 (not enough)
 * wakes the taker 2500 ms in. The tolerance, 1 ms either way, is for a
 * deadline rounded to whole milliseconds; nothing else can move it (the
 * clock stands still while any thread runs). */
START_TEST(take_timeout_is_honoured)
{
    harness_virtual_time(true);
    wallet_t *w = wallet_new(5);
    HARNESS_CHECK(w != NULL, "wallet_new(5) returned NULL");
    taker t;
    start_taker(&t, w, 10, 5000);
    harness_sleep_ms(2500);
    wallet_put(w, 1);
    harness_thread_join(t.thread);
    HARNESS_CHECK(!t.result, "wallet_take_timeout(10, 5000 ms) returned true with only 6 in the "
                  "wallet");
    HARNESS_CHECK(t.took_ms >= 4999.0, "wallet_take_timeout(10, 5000 ms) gave up after %.1f ms, "
                  "before the 5000 ms had passed: check the deadline's arithmetic (a "
                  "nanosecond count in 32 bits wraps beyond 4294 ms)", t.took_ms);
    HARNESS_CHECK(t.took_ms <= 5001.0, "wallet_take_timeout(10, 5000 ms) took %.1f ms to give "
                  "up (expected 5000; a put of 1 woke it after 2500): compute one absolute "
                  "deadline before the wait loop and wait until it, not a fresh timeout after "
                  "each wake-up", t.took_ms);
    HARNESS_CHECK(wallet_balance(w) == 6, "a take_timeout that gave up changed the balance from "
                  "6 to %ld", wallet_balance(w));
    wallet_free(w);
}
END_TEST

const graded_test public_tests[] = {
    GRADED(put_take_balance, "functional"),
    GRADED(take_waits_for_enough, "functional"),
    GRADED(one_put_wakes_everyone_who_can_go, "deadlock"),
    GRADED(take_never_returns_before_the_money, "ordering"),
    GRADED(money_conserved, "race"),
    GRADED_VIRTUAL(take_timeout_is_honoured, "timing"),
    { 0 }
};
