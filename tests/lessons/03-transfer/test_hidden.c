/* test_hidden.c - lesson 03's hidden tests (not in the student handout). */
#include "harness.h"
#include "transfer.h"

#include <pthread.h>
#include <stdatomic.h>

/* bank_transfer(b, from, to, amount), `times` times in a row, back to back
 * in the student's process. Returns how many were refused; every result is
 * counted. */
static int transfers(bank_t *b, size_t from, size_t to, long amount, int times)
{
    int refused = 0;
    for (int done = 0; done < times;) {
        harness_repeat((uint64_t)(times - done));
        bank_transfer(b, from, to, amount);
        const harness_repeat_result *r = harness_repeat_results();
        if (r->calls == 0) /* none made: none succeeded */
            return refused + (times - done);
        for (size_t i = 0; i < r->nruns; i++)
            if (!r->runs[i].value)
                refused += (int)r->runs[i].count;
        done += (int)r->calls;
    }
    return refused;
}

/* ---- functional ----------------------------------------------------------- */

START_TEST(many_accounts)
{
    bank_t *b = bank_new(1000, 5);
    ck_assert_msg(b != NULL, "bank_new(1000, 5) returned NULL");
    ck_assert_msg(bank_total(b) == 5000, "bank_total of 1000 accounts of 5 is %ld",
                  bank_total(b));
    ck_assert_msg(bank_transfer(b, 999, 0, 5), "moving 5 from account 999 to 0 was refused");
    ck_assert_msg(bank_balance(b, 0) == 10 && bank_balance(b, 999) == 0,
                  "after moving 5 from 999 to 0 they hold %ld and %ld (expected 10, 0)",
                  bank_balance(b, 0), bank_balance(b, 999));
    ck_assert_msg(bank_total(b) == 5000, "bank_total is %ld after one transfer, expected 5000",
                  bank_total(b));
    bank_free(b);
}
END_TEST

START_TEST(edge_amounts)
{
    bank_t *b = bank_new(2, 100);
    ck_assert_msg(b != NULL, "bank_new(2, 100) returned NULL");
    ck_assert_msg(bank_transfer(b, 0, 1, 0), "a transfer of 0 was refused");
    ck_assert_msg(bank_transfer(b, 0, 1, 100), "moving all 100 of 100 was refused");
    ck_assert_msg(!bank_transfer(b, 0, 1, 1), "moving 1 out of an empty account succeeded");
    ck_assert_msg(bank_balance(b, 0) == 0 && bank_balance(b, 1) == 200,
                  "balances %ld and %ld, expected 0 and 200", bank_balance(b, 0),
                  bank_balance(b, 1));
    ck_assert_msg(bank_new(0, 100) == NULL, "bank_new(0, 100) did not return NULL");
    bank_free(b);
}
END_TEST

START_TEST(refused_transfer_releases_accounts)
{
    bank_t *b = bank_new(3, 10);
    ck_assert_msg(b != NULL, "bank_new(3, 10) returned NULL");
    for (int i = 0; i < 3; i++)
        ck_assert_msg(!bank_transfer(b, 1, 2, 50), "moving 50 out of 10 succeeded");
    ck_assert_msg(bank_transfer(b, 2, 1, 10), "a funded transfer after refused ones failed");
    ck_assert_msg(bank_total(b) == 30, "bank_total is %ld, expected 30", bank_total(b));
    bank_free(b);
}
END_TEST

/* ---- deadlock --------------------------------------------------------------- */

typedef struct walker {
    bank_t *b;
    harness_gate *gate;
    size_t from, to;
    int rounds;
    bool both_ways; /* from->to, then to->from, like the seed's f1 and f2 */
    int refused;
} walker;

/* One way: all the rounds in a row. Both ways: 250 rounds from->to, then
 * 250 to->from, and so on (every account starts with 1000000). */
static void *walk(void *p)
{
    walker *w = p;
    harness_gate_wait(w->gate, 5000);
    if (!w->both_ways) {
        w->refused = transfers(w->b, w->from, w->to, 1, w->rounds);
        return NULL;
    }
    for (int done = 0; done < w->rounds;) {
        int times = w->rounds - done < 250 ? w->rounds - done : 250;
        w->refused += transfers(w->b, w->from, w->to, 1, times);
        w->refused += transfers(w->b, w->to, w->from, 1, times);
        done += times;
    }
    return NULL;
}

/* Three transfers in a circle: 0->1, 1->2, 2->0. */
START_TEST(three_way_circle)
{
    int rounds = harness_under_tsan() ? 1000 : 10000;
    bank_t *b = bank_new(3, 1000000);
    ck_assert_msg(b != NULL, "bank_new(3, 1000000) returned NULL");
    harness_gate *gate = harness_gate_new(3);
    walker w[3];
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        w[i] = (walker){ b, gate, (size_t)i, (size_t)(i + 1) % 3, rounds, false, 0 };
        pthread_create(&t[i], NULL, walk, &w[i]);
    }
    int refused = 0;
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        refused += w[i].refused;
    }
    long total = bank_total(b);
    bank_free(b);
    harness_gate_free(gate);
    ck_assert_msg(refused == 0, "%d funded transfers in the circle 0->1->2->0 were refused",
                  refused);
    ck_assert_msg(total == 3000000, "the bank holds %ld after the circle, not 3000000", total);
}
END_TEST

/* The seed's MyThread: ten threads each run f1 (A then B) and f2 (B then A). */
START_TEST(ten_threads_a_then_b_then_a)
{
    enum { THREADS = 10 };
    int rounds = harness_under_tsan() ? 200 : 2000;
    bank_t *b = bank_new(2, 1000000);
    ck_assert_msg(b != NULL, "bank_new(2, 1000000) returned NULL");
    harness_gate *gate = harness_gate_new(THREADS);
    walker w[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (walker){ b, gate, 0, 1, rounds, true, 0 };
        pthread_create(&t[i], NULL, walk, &w[i]);
    }
    int refused = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        refused += w[i].refused;
    }
    long a = bank_balance(b, 0), c = bank_balance(b, 1);
    bank_free(b);
    harness_gate_free(gate);
    ck_assert_msg(refused == 0, "%d funded transfers were refused", refused);
    ck_assert_msg(a == 1000000 && c == 1000000, "balances %ld and %ld after every thread moved "
                  "money there and back (expected 1000000 each)", a, c);
}
END_TEST

/* Totals and transfers at the same time: bank_total locks accounts too. */
typedef struct looker {
    bank_t *b;
    atomic_bool *stop;
    long wrong;
} looker;

/* 20 totals in a row at a time (the last one holds up the end); every one
 * is checked. */
static void *look(void *p)
{
    looker *l = p;
    while (!atomic_load(l->stop)) {
        harness_repeat(20);
        bank_total(l->b);
        const harness_repeat_result *r = harness_repeat_results();
        for (size_t i = 0; i < r->nruns; i++)
            if ((long)r->runs[i].value != 4 * 1000000L)
                l->wrong = (long)r->runs[i].value;
    }
    return NULL;
}

START_TEST(totals_during_transfers)
{
    int rounds = harness_under_tsan() ? 1000 : 10000;
    bank_t *b = bank_new(4, 1000000);
    ck_assert_msg(b != NULL, "bank_new(4, 1000000) returned NULL");
    atomic_bool stop = false;
    harness_gate *gate = harness_gate_new(2);
    looker l = { b, &stop, 0 };
    walker w[2] = { { b, gate, 3, 0, rounds, true, 0 }, { b, gate, 1, 2, rounds, true, 0 } };
    pthread_t lt, t[2];
    pthread_create(&lt, NULL, look, &l);
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, walk, &w[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    atomic_store(&stop, true);
    pthread_join(lt, NULL);
    bank_free(b);
    harness_gate_free(gate);
    ck_assert_msg(w[0].refused == 0 && w[1].refused == 0, "%d funded transfers were refused",
                  w[0].refused + w[1].refused);
    ck_assert_msg(l.wrong == 0, "bank_total returned %ld during transfers, not 4000000",
                  l.wrong);
}
END_TEST

/* ---- race -------------------------------------------------------------------- */

typedef struct pump {
    bank_t *b;
    size_t from, to;
    atomic_bool stop;
    atomic_bool pumping; /* a batch of transfers has run: more are running */
} pump;

/* 25 transfers in a row at a time, until told to stop. */
static void *pump_money(void *p)
{
    pump *u = p;
    /* pumping is set once a first transfer has come back: the student's
     * thread exists, and it comes back for each next batch within
     * microseconds, so every snapshot has transfers to wait for. Stop is
     * only set after the snapshots; batches of 25 keep the last one short. */
    transfers(u->b, u->from, u->to, 1, 1);
    atomic_store(&u->pumping, true);
    while (!atomic_load(&u->stop))
        transfers(u->b, u->from, u->to, 1, 25);
    return NULL;
}

/* Like the public snapshot test, with more accounts and the money moving
 * from the first account to the last. */
START_TEST(snapshot_many_accounts)
{
    enum { N = 6 };
    int snapshots = harness_under_tsan() ? 30 : 100;
    const long initial = 1000000000L;
    bank_t *b = bank_new(N, initial);
    ck_assert_msg(b != NULL, "bank_new(6, ...) returned NULL");
    pump u = { .b = b, .from = 0, .to = N - 1 };
    pthread_t t;
    pthread_create(&t, NULL, pump_money, &u);
    /* Snapshots while transfers run, not before the first one. */
    for (double end = harness_now_ms() + 5000; !atomic_load(&u.pumping) && harness_now_ms() < end;)
        harness_sleep_ms(0.2);
    /* The snapshots run back to back in the student's process; each one is checked. */
    harness_interleave(true);
    harness_repeat((uint64_t)snapshots);
    bank_total(b);
    harness_interleave(false);
    const harness_repeat_result *r = harness_repeat_results();
    long bad = 0;
    int bad_at = -1, seen = 0;
    for (size_t i = 0; i < r->nruns && bad_at < 0; i++) {
        if ((long)r->runs[i].value != N * initial) {
            bad = (long)r->runs[i].value;
            bad_at = seen + 1;
        }
        seen += (int)r->runs[i].count;
    }
    atomic_store(&u.stop, true);
    pthread_join(t, NULL);
    bank_free(b);
    ck_assert_msg(bad_at < 0, "bank_total returned %ld while money moved from account 0 to 5 "
                  "(snapshot %d; the bank always holds %ld): hold every account's lock while "
                  "you add up", bad, bad_at, N * initial);
}
END_TEST

/* bank_balance while transfers run: a balance is read under its account's
 * lock (ThreadSanitizer sees an unlocked read race with the transfers, every
 * run), and no balance is ever outside what the transfers allow. */
START_TEST(balances_during_transfers)
{
    const long initial = 1000000L;
    int reads = harness_under_tsan() ? 200 : 2000;
    bank_t *b = bank_new(2, initial);
    ck_assert_msg(b != NULL, "bank_new(2, ...) returned NULL");
    pump u = { .b = b, .from = 0, .to = 1 };
    pthread_t t;
    pthread_create(&t, NULL, pump_money, &u);
    for (double end = harness_now_ms() + 5000; !atomic_load(&u.pumping) && harness_now_ms() < end;)
        harness_sleep_ms(0.2);
    long bad = 0;
    size_t bad_account = 0;
    for (size_t a = 0; a < 2 && !bad_account; a++) {
        harness_repeat((uint64_t)reads);
        bank_balance(b, a);
        const harness_repeat_result *r = harness_repeat_results();
        for (size_t i = 0; i < r->nruns; i++) {
            long v = (long)r->runs[i].value;
            if (v < 0 || v > 2 * initial) {
                bad = v;
                bad_account = a + 1;
            }
        }
    }
    atomic_store(&u.stop, true);
    pthread_join(t, NULL);
    long total = bank_total(b);
    bank_free(b);
    ck_assert_msg(!bad_account, "bank_balance(b, %zu) returned %ld while money moved from "
                  "account 0 to 1 (the bank holds %ld in all)", bad_account - 1, bad, 2 * initial);
    ck_assert_msg(total == 2 * initial, "after the transfers the total is %ld, not %ld", total,
                  2 * initial);
}
END_TEST

/* Random transfers from several threads: money is conserved, no account
 * goes negative. */
typedef struct shuffler {
    bank_t *b;
    harness_gate *gate;
    uint64_t seed;
    int rounds;
} shuffler;

/* Runs of 1 to 64 equal transfers (they may be refused), 16 runs sent
 * together: they run back to back in the student's process. */
static void *shuffle(void *p)
{
    shuffler *s = p;
    uint64_t x = s->seed;
    harness_gate_wait(s->gate, 5000);
    for (int done = 0; done < s->rounds;) {
        harness_batch_begin();
        for (int run = 0; run < 16 && done < s->rounds; run++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            int times = (int)((x >> 12) % 64) + 1;
            if (times > s->rounds - done)
                times = s->rounds - done;
            for (int i = 0; i < times; i++)
                bank_transfer(s->b, (size_t)(x >> 33) % 5, (size_t)(x >> 45) % 5,
                              (long)((x >> 20) % 40));
            done += times;
        }
        harness_batch_end(NULL);
    }
    return NULL;
}

START_TEST(money_conserved)
{
    enum { THREADS = 4 };
    int rounds = harness_under_tsan() ? 1000 : 20000;
    bank_t *b = bank_new(5, 50);
    ck_assert_msg(b != NULL, "bank_new(5, 50) returned NULL");
    harness_gate *gate = harness_gate_new(THREADS);
    shuffler s[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        s[i] = (shuffler){ b, gate, harness_rand() | 1, rounds };
        pthread_create(&t[i], NULL, shuffle, &s[i]);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    long total = 0, lowest = 0;
    for (size_t i = 0; i < 5; i++) {
        long v = bank_balance(b, i);
        total += v;
        if (v < lowest)
            lowest = v;
    }
    bank_free(b);
    harness_gate_free(gate);
    ck_assert_msg(lowest >= 0, "an account ended at %ld after random concurrent transfers",
                  lowest);
    ck_assert_msg(total == 250, "5 accounts of 50 hold %ld after random concurrent transfers",
                  total);
}
END_TEST

const graded_test hidden_tests[] = {
    GRADED(many_accounts, "functional"),
    GRADED(edge_amounts, "functional"),
    GRADED(refused_transfer_releases_accounts, "functional"),
    GRADED(three_way_circle, "deadlock"),
    GRADED(ten_threads_a_then_b_then_a, "deadlock"),
    GRADED(totals_during_transfers, "deadlock"),
    GRADED(snapshot_many_accounts, "race"),
    GRADED(balances_during_transfers, "race"),
    GRADED(money_conserved, "race"),
    { 0 }
};
