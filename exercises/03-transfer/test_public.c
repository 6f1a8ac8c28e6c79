/* test_public.c - lesson 03's public tests: `make check` runs these.
 * The grader also runs hidden tests of the same kinds.
 *
 * The grader watches every mutex your code locks: a lock-order inversion
 * (two accounts locked in opposite orders by two transfers) fails the
 * deadlock tests even in a run that happened not to hang, and a run that
 * does hang is stopped at once with the threads and locks involved. */
#include "harness.h"
#include "transfer.h"

#include <pthread.h>
#include <stdatomic.h>

/* bank_transfer(b, from, to, amount), `times` times in a row: the calls run
 * back to back in your process (a loop as tight as a direct one). Returns
 * how many of them were refused; every result is counted. */
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

START_TEST(new_bank_balances)
{
    bank_t *b = bank_new(4, 100);
    ck_assert_msg(b != NULL, "bank_new(4, 100) returned NULL");
    for (size_t i = 0; i < 4; i++)
        ck_assert_msg(bank_balance(b, i) == 100, "account %zu of bank_new(4, 100) holds %ld",
                      i, bank_balance(b, i));
    ck_assert_msg(bank_total(b) == 400, "bank_total of 4 accounts of 100 is %ld", bank_total(b));
    bank_free(b);
}
END_TEST

START_TEST(transfer_moves_money)
{
    bank_t *b = bank_new(3, 100);
    ck_assert_msg(b != NULL, "bank_new(3, 100) returned NULL");
    ck_assert_msg(bank_transfer(b, 0, 1, 30), "transfer of 30 from 0 (100) to 1 was refused");
    ck_assert_msg(bank_balance(b, 0) == 70 && bank_balance(b, 1) == 130,
                  "after moving 30 from 0 to 1 the balances are %ld and %ld (expected 70, 130)",
                  bank_balance(b, 0), bank_balance(b, 1));
    ck_assert_msg(bank_transfer(b, 1, 0, 130), "transfer of all 130 from 1 to 0 was refused");
    ck_assert_msg(bank_balance(b, 0) == 200 && bank_balance(b, 1) == 0,
                  "after moving 130 back the balances are %ld and %ld (expected 200, 0)",
                  bank_balance(b, 0), bank_balance(b, 1));
    ck_assert_msg(bank_total(b) == 300, "bank_total is %ld, expected 300", bank_total(b));
    bank_free(b);
}
END_TEST

START_TEST(transfer_refuses)
{
    bank_t *b = bank_new(2, 100);
    ck_assert_msg(b != NULL, "bank_new(2, 100) returned NULL");
    ck_assert_msg(!bank_transfer(b, 0, 1, 101), "moving 101 out of an account of 100 succeeded");
    ck_assert_msg(!bank_transfer(b, 0, 2, 1), "a transfer to account 2 of a 2-account bank "
                  "succeeded (accounts are 0 and 1)");
    ck_assert_msg(!bank_transfer(b, 5, 0, 1), "a transfer from account 5 of a 2-account bank "
                  "succeeded");
    ck_assert_msg(!bank_transfer(b, 0, 1, -5), "a transfer of -5 succeeded");
    ck_assert_msg(bank_balance(b, 0) == 100 && bank_balance(b, 1) == 100,
                  "refused transfers changed the balances to %ld and %ld", bank_balance(b, 0),
                  bank_balance(b, 1));
    bank_free(b);
}
END_TEST

START_TEST(self_transfer)
{
    bank_t *b = bank_new(3, 100);
    ck_assert_msg(b != NULL, "bank_new(3, 100) returned NULL");
    ck_assert_msg(bank_transfer(b, 2, 2, 60), "transfer of 60 from account 2 to itself (it "
                  "holds 100) returned false");
    ck_assert_msg(!bank_transfer(b, 2, 2, 500), "transfer of 500 from account 2 to itself "
                  "(it holds 100) returned true");
    ck_assert_msg(bank_balance(b, 2) == 100, "self transfers changed the balance to %ld",
                  bank_balance(b, 2));
    bank_free(b);
}
END_TEST

/* ---- deadlock --------------------------------------------------------------- */

typedef struct mover {
    bank_t *b;
    harness_gate *gate;
    size_t from, to;
    int rounds;
    int refused;
} mover;

static void *move_money(void *p)
{
    mover *m = p;
    harness_gate_wait(m->gate, 5000);
    m->refused = transfers(m->b, m->from, m->to, 1, m->rounds);
    return NULL;
}

/* The seed's scenario: transfer(a, b) and transfer(b, a) at the same time. */
START_TEST(opposite_directions)
{
    int rounds = harness_under_tsan() ? 2000 : 20000;
    bank_t *b = bank_new(2, 1000000);
    ck_assert_msg(b != NULL, "bank_new(2, 1000000) returned NULL");
    harness_gate *gate = harness_gate_new(2);
    mover m[2] = { { b, gate, 0, 1, rounds, 0 }, { b, gate, 1, 0, rounds, 0 } };
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, move_money, &m[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    long a0 = bank_balance(b, 0), a1 = bank_balance(b, 1);
    bank_free(b);
    harness_gate_free(gate);
    ck_assert_msg(m[0].refused == 0 && m[1].refused == 0,
                  "%d of %d funded transfers a->b and %d b->a were refused: a transfer must "
                  "wait for busy accounts, not give up", m[0].refused, rounds, m[1].refused);
    ck_assert_msg(a0 == 1000000 && a1 == 1000000,
                  "after %d transfers of 1 each way the balances are %ld and %ld "
                  "(expected 1000000 each)", rounds, a0, a1);
}
END_TEST

/* Two transfers that share only their second account: a busy account must
 * be waited for, never taken as a reason to fail. */
START_TEST(busy_accounts_wait)
{
    int rounds = harness_under_tsan() ? 2000 : 20000;
    bank_t *b = bank_new(3, 1000000);
    ck_assert_msg(b != NULL, "bank_new(3, 1000000) returned NULL");
    harness_gate *gate = harness_gate_new(2);
    mover m[2] = { { b, gate, 0, 2, rounds, 0 }, { b, gate, 1, 2, rounds, 0 } };
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, move_money, &m[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    long total = bank_total(b);
    bank_free(b);
    harness_gate_free(gate);
    ck_assert_msg(m[0].refused == 0 && m[1].refused == 0,
                  "%d of %d funded transfers 0->2 and %d of 1->2 were refused while the other "
                  "thread used account 2: wait for a busy account, do not give up",
                  m[0].refused, rounds, m[1].refused);
    ck_assert_msg(total == 3000000, "the bank holds %ld after the transfers, not 3000000", total);
}
END_TEST

/* Random transfers among a few accounts, self transfers included. */
typedef struct shuffler {
    bank_t *b;
    harness_gate *gate;
    uint64_t seed;
    size_t accounts;
    int rounds;
} shuffler;

/* Runs of 1 to 64 equal transfers (they may be refused), 16 runs sent
 * together: they run back to back in your process. */
static void *shuffle(void *p)
{
    shuffler *s = p;
    uint64_t x = s->seed;
    harness_gate_wait(s->gate, 5000);
    for (int done = 0; done < s->rounds;) {
        harness_batch_begin();
        for (int run = 0; run < 16 && done < s->rounds; run++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            size_t from = (size_t)(x >> 33) % s->accounts, to = (size_t)(x >> 45) % s->accounts;
            int times = (int)((x >> 12) % 64) + 1;
            if (times > s->rounds - done)
                times = s->rounds - done;
            for (int i = 0; i < times; i++)
                bank_transfer(s->b, from, to, (long)((x >> 20) % 20));
            done += times;
        }
        harness_batch_end(NULL);
    }
    return NULL;
}

START_TEST(mixed_transfers_never_hang)
{
    enum { THREADS = 4, ACCOUNTS = 4 };
    int rounds = harness_under_tsan() ? 1000 : 10000;
    bank_t *b = bank_new(ACCOUNTS, 500);
    ck_assert_msg(b != NULL, "bank_new(4, 500) returned NULL");
    harness_gate *gate = harness_gate_new(THREADS);
    shuffler s[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        s[i] = (shuffler){ b, gate, harness_rand() | 1, ACCOUNTS, rounds };
        pthread_create(&t[i], NULL, shuffle, &s[i]);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    long total = bank_total(b);
    bank_free(b);
    harness_gate_free(gate);
    ck_assert_msg(total == ACCOUNTS * 500, "after random transfers the bank holds %ld, "
                  "not the %d it started with", total, ACCOUNTS * 500);
}
END_TEST

/* ---- race -------------------------------------------------------------------- */

typedef struct pump {
    bank_t *b;
    atomic_bool stop;
    atomic_bool pumping; /* a batch of transfers has run: more are running */
} pump;

/* Moves money one way, from the last account to the first, until told to
 * stop (25 transfers in a row at a time). */
static void *pump_money(void *p)
{
    pump *u = p;
    /* pumping is set once a first transfer has come back: the student's
     * thread exists, and it comes back for each next batch within
     * microseconds, so every snapshot has transfers to wait for. Stop is
     * only set after the snapshots; batches of 25 keep the last one short. */
    transfers(u->b, 2, 0, 1, 1);
    atomic_store(&u->pumping, true);
    while (!atomic_load(&u->stop))
        transfers(u->b, 2, 0, 1, 25);
    return NULL;
}

/* bank_total while transfers run: every snapshot must hold all the money. The
 * grader makes the snapshotting thread wait after each unlock until a
 * transfer has run, so a total made of several separate critical sections
 * shows every time. */
START_TEST(total_is_a_snapshot)
{
    int snapshots = harness_under_tsan() ? 30 : 100;
    const long initial = 1000000000L;
    bank_t *b = bank_new(3, initial);
    ck_assert_msg(b != NULL, "bank_new(3, ...) returned NULL");
    pump u = { .b = b };
    pthread_t t;
    pthread_create(&t, NULL, pump_money, &u);
    /* Snapshots while transfers run, not before the first one. */
    for (double end = harness_now_ms() + 5000; !atomic_load(&u.pumping) && harness_now_ms() < end;)
        harness_sleep_ms(0.2);
    /* The snapshots run back to back in your process; each one is checked. */
    harness_interleave(true);
    harness_repeat((uint64_t)snapshots);
    bank_total(b);
    harness_interleave(false);
    const harness_repeat_result *r = harness_repeat_results();
    long bad = 0;
    int bad_at = -1, seen = 0;
    for (size_t i = 0; i < r->nruns && bad_at < 0; i++) {
        if ((long)r->runs[i].value != 3 * initial) {
            bad = (long)r->runs[i].value;
            bad_at = seen + 1;
        }
        seen += (int)r->runs[i].count;
    }
    atomic_store(&u.stop, true);
    pthread_join(t, NULL);
    long end = bank_total(b);
    bank_free(b);
    ck_assert_msg(bad_at < 0, "bank_total returned %ld while another thread was transferring "
                  "(snapshot %d; the bank always holds %ld): it saw a transfer half done. "
                  "Hold every account's lock while you add up", bad, bad_at, 3 * initial);
    ck_assert_msg(end == 3 * initial, "after the transfers the total is %ld, not %ld", end,
                  3 * initial);
}
END_TEST

/* Several threads drain one account at once: it must never be overdrawn. */
typedef struct drainer {
    bank_t *b;
    harness_gate *gate;
    int wins;
} drainer;

/* 1000 transfers of 1 out of account 0, to account 1 and 2 in turn, 20 in
 * a row to each. */
static void *drain(void *p)
{
    drainer *d = p;
    harness_gate_wait(d->gate, 5000);
    for (int i = 0; i < 1000; i += 20)
        d->wins += 20 - transfers(d->b, 0, 1 + (size_t)(i / 20) % 2, 1, 20);
    return NULL;
}

START_TEST(no_overdraft)
{
    enum { THREADS = 4 };
    bank_t *b = bank_new(3, 1000);
    ck_assert_msg(b != NULL, "bank_new(3, 1000) returned NULL");
    harness_gate *gate = harness_gate_new(THREADS);
    drainer d[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        d[i] = (drainer){ b, gate, 0 };
        pthread_create(&t[i], NULL, drain, &d[i]);
    }
    int wins = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        wins += d[i].wins;
    }
    long a0 = bank_balance(b, 0), total = bank_total(b);
    bank_free(b);
    harness_gate_free(gate);
    ck_assert_msg(wins == 1000 && a0 == 0 && total == 3000,
                  "%d threads each moved 1 out of an account of 1000, 1000 times: %d "
                  "transfers succeeded, the account holds %ld and the bank %ld (expected "
                  "1000, 0 and 3000)", THREADS, wins, a0, total);
}
END_TEST

const graded_test public_tests[] = {
    GRADED(new_bank_balances, "functional"),
    GRADED(transfer_moves_money, "functional"),
    GRADED(transfer_refuses, "functional"),
    GRADED(self_transfer, "functional"),
    GRADED(opposite_directions, "deadlock"),
    GRADED(busy_accounts_wait, "deadlock"),
    GRADED(mixed_transfers_never_hang, "deadlock"),
    GRADED(total_is_a_snapshot, "race"),
    GRADED(no_overdraft, "race"),
    { 0 }
};
