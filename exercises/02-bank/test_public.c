/* test_public.c - lesson 02's public tests: `make check` runs these.
 * The grader also runs hidden tests of the same kinds. */
#include "harness.h"
#include "bank.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

START_TEST(deposit_and_balance)
{
    account_t *a = account_new(1000);
    ck_assert_msg(a != NULL, "account_new(1000) returned NULL");
    ck_assert_msg(account_balance(a) == 1000, "a new account with 1000 has balance %ld",
                  account_balance(a));
    account_deposit(a, 50);
    ck_assert_msg(account_balance(a) == 1050, "1000 + deposit of 50 gives balance %ld, not 1050",
                  account_balance(a));
    account_free(a);
}
END_TEST

START_TEST(withdraw_refuses_overdraft)
{
    account_t *a = account_new(1000);
    ck_assert_msg(a != NULL, "account_new(1000) returned NULL");
    ck_assert_msg(account_withdraw(a, 600), "withdrawing 600 from 1000 was refused");
    ck_assert_msg(account_balance(a) == 400, "after withdrawing 600 from 1000 the balance is %ld",
                  account_balance(a));
    ck_assert_msg(!account_withdraw(a, 600), "withdrawing 600 from 400 succeeded");
    ck_assert_msg(account_balance(a) == 400,
                  "a refused withdrawal changed the balance from 400 to %ld", account_balance(a));
    ck_assert_msg(account_withdraw(a, 400), "withdrawing all 400 of 400 was refused");
    ck_assert_msg(account_balance(a) == 0, "balance %ld after emptying the account",
                  account_balance(a));
    account_free(a);
}
END_TEST

/* The seed's scenario: two users withdraw 600 from 1000 at the same moment,
 * trial after trial, each trial on an account of its own. The same two
 * threads make every trial (a new pair per trial would cost more than the
 * trial), meeting at a gate before each. Every account is made before they
 * start and checked after they are joined: nothing but the account's own
 * code orders their two withdrawals. */
enum { MAX_TRIALS = 200 };

typedef struct trials {
    account_t *account[MAX_TRIALS];
    bool ok[2][MAX_TRIALS]; /* each user's withdrawal, each trial */
    bool stop[MAX_TRIALS];  /* out of time: this trial and later ones do not run */
    int count;
    double budget_end;
    harness_gate *gate;
} trials;

typedef struct user {
    trials *t;
    int who;
} user;

static void *draw(void *p)
{
    user *u = p;
    trials *t = u->t;
    for (int i = 0; i < t->count; i++) {
        if (u->who == 0 && harness_now_ms() > t->budget_end)
            t->stop[i] = true; /* before the gate: the other user reads it after */
        harness_gate_wait(t->gate, 5000);
        if (t->stop[i])
            break;
        t->ok[u->who][i] = account_withdraw(t->account[i], 600);
    }
    return NULL;
}

START_TEST(two_users_withdraw_600)
{
    /* Up to 200 trials (twice: a race test runs two schedules), within
     * 3 s: a loaded machine runs fewer of them instead of running out of
     * time. A check and a subtraction under two locks fail in the first
     * ten or so; an unlocked check is ThreadSanitizer's, in the first. */
    static trials t; /* 3 KiB: kept off the stack */
    memset(&t, 0, sizeof t);
    t.count = harness_under_tsan() ? 100 : 200;
    /* Between harness_batch_begin and harness_batch_end the calls are only
     * queued; then your code makes them all, in order, and each one's return
     * value comes back (here: the accounts). One message instead of 200. */
    harness_batch_begin();
    for (int i = 0; i < t.count; i++)
        (void)account_new(1000);
    size_t n;
    const uint64_t *made = harness_batch_end(&n);
    ck_assert_msg(n == (size_t)t.count, "%zu of %d account_new calls returned", n, t.count);
    for (int i = 0; i < t.count; i++) {
        t.account[i] = (account_t *)(uintptr_t)made[i];
        ck_assert_msg(t.account[i] != NULL, "account_new(1000) returned NULL");
    }
    t.gate = harness_gate_new(2);
    t.budget_end = harness_now_ms() + 3000;
    user users[2] = { { &t, 0 }, { &t, 1 } };
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, draw, &users[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    harness_gate_free(t.gate);
    harness_batch_begin(); /* every trial's balance, batched as above */
    for (int i = 0; i < t.count; i++)
        (void)account_balance(t.account[i]);
    const uint64_t *balance = harness_batch_end(&n);
    ck_assert_msg(n == (size_t)t.count, "%zu of %d account_balance calls returned", n, t.count);
    int failed = -1, wins = 0;
    long bal = 0;
    for (int i = 0; i < t.count && failed < 0 && !t.stop[i]; i++) {
        bal = (long)balance[i];
        wins = t.ok[0][i] + t.ok[1][i];
        if (wins != 1 || bal != 400)
            failed = i;
    }
    harness_batch_begin();
    for (int i = 0; i < t.count; i++)
        account_free(t.account[i]);
    harness_batch_end(NULL);
    ck_assert_msg(failed < 0,
                  "two concurrent withdrawals of 600 from 1000: %d succeeded and the "
                  "balance is %ld (expected 1 and 400; trial %d)", wins, bal, failed + 1);
}
END_TEST

/* Several threads deposit and withdraw at random while one keeps reading. */
typedef struct mix_arg {
    account_t *a;
    harness_gate *gate;
    uint64_t seed;
    int ops;
    long deposited, withdrawn;
    long lowest_seen;
} mix_arg;

/* Random deposits and withdrawals, in batches of 1 to 512 equal calls that
 * run back to back in the student's process; every result is counted. */
static void *mixer(void *p)
{
    mix_arg *m = p;
    uint64_t x = m->seed;
    harness_gate_wait(m->gate, 5000);
    for (int done = 0; done < m->ops;) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        long amount = (long)((x >> 33) % 50) + 1;
        uint64_t times = ((x >> 40) % 512) + 1;
        harness_repeat(times);
        if ((x >> 20) & 1) {
            account_deposit(m->a, amount);
            m->deposited += amount * (long)harness_repeat_results()->calls;
        } else {
            account_withdraw(m->a, amount);
            const harness_repeat_result *r = harness_repeat_results();
            for (size_t i = 0; i < r->nruns; i++)
                if (r->runs[i].value)
                    m->withdrawn += amount * (long)r->runs[i].count;
        }
        done += (int)harness_repeat_results()->calls;
    }
    return NULL;
}

/* Reads the balance m->ops times in a row while the others write. */
static void *reader(void *p)
{
    mix_arg *m = p;
    harness_gate_wait(m->gate, 5000);
    m->lowest_seen = 0;
    harness_repeat((uint64_t)m->ops);
    account_balance(m->a);
    const harness_repeat_result *r = harness_repeat_results();
    for (size_t i = 0; i < r->nruns; i++)
        if ((long)r->runs[i].value < m->lowest_seen)
            m->lowest_seen = (long)r->runs[i].value;
    return NULL;
}

START_TEST(money_conserved)
{
    enum { WRITERS = 4 };
    int ops = harness_under_tsan() ? 2000 : 50000;
    account_t *a = account_new(100);
    ck_assert_msg(a != NULL, "account_new(100) returned NULL");
    harness_gate *gate = harness_gate_new(WRITERS + 1);
    mix_arg m[WRITERS + 1];
    pthread_t t[WRITERS + 1];
    for (int i = 0; i <= WRITERS; i++) {
        m[i] = (mix_arg){ a, gate, harness_rand() | 1, ops, 0, 0, 0 };
        pthread_create(&t[i], NULL, i < WRITERS ? mixer : reader, &m[i]);
    }
    long in = 100, out = 0;
    for (int i = 0; i <= WRITERS; i++) {
        pthread_join(t[i], NULL);
        in += m[i].deposited;
        out += m[i].withdrawn;
    }
    long bal = account_balance(a);
    account_free(a);
    harness_gate_free(gate);
    ck_assert_msg(m[WRITERS].lowest_seen >= 0,
                  "account_balance returned %ld while threads deposited and withdrew",
                  m[WRITERS].lowest_seen);
    ck_assert_msg(bal == in - out,
                  "money was created or lost: 100 + %ld deposited - %ld withdrawn should leave "
                  "%ld, but the balance is %ld", in - 100, out, in - out, bal);
}
END_TEST

const graded_test public_tests[] = {
    GRADED(deposit_and_balance, "functional"),
    GRADED(withdraw_refuses_overdraft, "functional"),
    GRADED(two_users_withdraw_600, "race"),
    GRADED(money_conserved, "race"),
    { 0 }
};
