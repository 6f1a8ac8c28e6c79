/* test_hidden.c - lesson 02's hidden tests (not in the student handout). */
#include "harness.h"
#include "bank.h"

#include <pthread.h>

START_TEST(accounts_are_independent)
{
    account_t *a = account_new(100), *b = account_new(5);
    ck_assert_msg(a && b, "account_new returned NULL");
    account_deposit(a, 10);
    ck_assert_msg(account_withdraw(b, 5), "withdrawing 5 from 5 was refused");
    ck_assert_msg(account_balance(a) == 110 && account_balance(b) == 0,
                  "two accounts share state: balances %ld and %ld, expected 110 and 0",
                  account_balance(a), account_balance(b));
    account_free(a);
    account_free(b);
}
END_TEST

START_TEST(edge_amounts)
{
    account_t *a = account_new(0);
    ck_assert_msg(a != NULL, "account_new(0) returned NULL");
    ck_assert_msg(account_withdraw(a, 0), "withdrawing 0 from an empty account was refused");
    ck_assert_msg(!account_withdraw(a, 1), "withdrawing 1 from an empty account succeeded");
    account_deposit(a, 4000000000000L);
    ck_assert_msg(account_balance(a) == 4000000000000L,
                  "a deposit of 4e12 gave balance %ld: keep the balance a long",
                  account_balance(a));
    ck_assert_msg(account_withdraw(a, 4000000000000L), "withdrawing the whole 4e12 was refused");
    ck_assert_msg(account_balance(a) == 0, "balance %ld after emptying", account_balance(a));
    account_free(a);
}
END_TEST

typedef struct drain_arg {
    account_t *a;
    harness_gate *gate;
    long start;         /* the balance at the start: no thread can take more */
    long taken;
    bool refused_early; /* a refusal, then a success again */
} drain_arg;

/* Withdraws 1 until refused, in batches in the student's process; every
 * result is checked: successes, then exactly one refusal. At most start + 1
 * calls: a withdraw that never refuses ends there (the count then says so)
 * instead of looping until the test's time runs out. */
static void *drain(void *p)
{
    drain_arg *d = p;
    harness_gate_wait(d->gate, 5000);
    uint64_t left = (uint64_t)d->start + 1;
    while (left > 0) {
        harness_repeat_until(left, false);
        account_withdraw(d->a, 1);
        const harness_repeat_result *r = harness_repeat_results();
        left -= r->calls < left ? r->calls : left;
        for (size_t i = 0; i < r->nruns; i++) {
            if (r->runs[i].value)
                d->taken += (long)r->runs[i].count;
            else if (i != r->nruns - 1 || r->runs[i].count != 1)
                d->refused_early = true;
        }
        if (r->calls == 0 || (r->nruns && !r->runs[r->nruns - 1].value))
            return NULL; /* refused: done */
    }
    return NULL; /* start + 1 successes: more than the balance (the test says so) */
}

/* Many threads take 1 at a time until refused: exactly the balance comes out. */
START_TEST(drain_exactly)
{
    enum { N = 8 };
    long start = harness_under_tsan() ? 4000 : 200000;
    account_t *a = account_new(start);
    ck_assert_msg(a != NULL, "account_new returned NULL");
    harness_gate *g = harness_gate_new(N);
    drain_arg d[N];
    pthread_t t[N];
    for (int i = 0; i < N; i++) {
        d[i] = (drain_arg){ a, g, start, 0, false };
        pthread_create(&t[i], NULL, drain, &d[i]);
    }
    long total = 0;
    bool early = false;
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        total += d[i].taken;
        early |= d[i].refused_early;
    }
    long bal = account_balance(a);
    account_free(a);
    harness_gate_free(g);
    ck_assert_msg(!early, "a withdrawal of 1 was refused while money was left (a later one "
                          "succeeded)");
    ck_assert_msg(total == start && bal == 0,
                  "%d threads withdrew 1 at a time from %ld until refused: %ld withdrawals "
                  "succeeded and %ld is left (expected %ld and 0)", N, start, total, bal, start);
}
END_TEST

typedef struct dep_arg {
    account_t *a;
    harness_gate *gate;
    int n;
} dep_arg;

static void *deposit_many(void *p)
{
    dep_arg *d = p;
    harness_gate_wait(d->gate, 5000);
    harness_repeat((uint64_t)d->n); /* d->n deposits in a row, in the student's process */
    account_deposit(d->a, 1);
    return NULL;
}

START_TEST(deposits_not_lost)
{
    enum { N = 8 };
    int per = harness_under_tsan() ? 2000 : 100000;
    account_t *a = account_new(0);
    ck_assert_msg(a != NULL, "account_new returned NULL");
    harness_gate *g = harness_gate_new(N);
    dep_arg d[N];
    pthread_t t[N];
    for (int i = 0; i < N; i++) {
        d[i] = (dep_arg){ a, g, per };
        pthread_create(&t[i], NULL, deposit_many, &d[i]);
    }
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    long bal = account_balance(a);
    account_free(a);
    harness_gate_free(g);
    ck_assert_msg(bal == (long)N * per,
                  "%d threads each deposited 1, %d times: the balance is %ld, not %ld "
                  "(deposits were lost)", N, per, bal, (long)N * per);
}
END_TEST

const graded_test hidden_tests[] = {
    GRADED(accounts_are_independent, "functional"),
    GRADED(edge_amounts, "functional"),
    GRADED(drain_exactly, "race"),
    GRADED(deposits_not_lost, "race"),
    { 0 }
};
