/* lesson: 02-bank
 * Reads the hidden tests, the judge's source and the reference solution
 * (absolute and ../ paths) before doing the work; plays fair only if it
 * could read them. The suite writes this checkout's path for @COURSE_ROOT@.
 * attack-target: @COURSE_ROOT@/tests/lessons/02-bank/test_hidden.c
 * attack-target: @COURSE_ROOT@/grader/harness/judge.c
 * attack-target: @COURSE_ROOT@/solutions/02-bank/bank.c
 * expect-test: crashed
 * expect-message: SIGABRT.* in refused_(ENOENT|EACCES) \(bank\.c:[0-9]+\)
 * expect-max-score: 0
 * host-check: account_free(account_new(0))
 */
#include "bank.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

@PROOF@

#define COURSE_ROOT "@COURSE_ROOT@" /* the checkout, written in by the suite */

static void peek(void)
{
    const char *paths[] = { COURSE_ROOT "/tests/lessons/02-bank/test_hidden.c",
                            COURSE_ROOT "/grader/harness/judge.c",
                            COURSE_ROOT "/solutions/02-bank/bank.c",
                            "../tests/lessons/02-bank/test_hidden.c",
                            "../../tests/lessons/02-bank/test_hidden.c" };
    int err = 0;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        FILE *f = fopen(paths[i], "r");
        if (f) {
            fclose(f);
            return;
        }
        if (i == 0)
            err = errno; /* why the hidden tests' own path failed: the proof */
    }
    refused(err);
}

struct account {
    pthread_mutex_t mu;
    long balance;
};

account_t *account_new(long balance)
{
    peek();
    account_t *a = malloc(sizeof *a);
    if (!a)
        return NULL;
    pthread_mutex_init(&a->mu, NULL);
    a->balance = balance;
    return a;
}

void account_free(account_t *a)
{
    if (!a)
        return;
    pthread_mutex_destroy(&a->mu);
    free(a);
}

bool account_withdraw(account_t *a, long amount)
{
    pthread_mutex_lock(&a->mu);
    bool ok = a->balance >= amount;
    if (ok)
        a->balance -= amount;
    pthread_mutex_unlock(&a->mu);
    return ok;
}

void account_deposit(account_t *a, long amount)
{
    pthread_mutex_lock(&a->mu);
    a->balance += amount;
    pthread_mutex_unlock(&a->mu);
}

long account_balance(account_t *a)
{
    pthread_mutex_lock(&a->mu);
    long b = a->balance;
    pthread_mutex_unlock(&a->mu);
    return b;
}
