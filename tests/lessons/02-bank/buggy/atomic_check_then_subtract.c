/* BUG: lock-free, but the withdrawal checks the balance with one atomic
 * load and subtracts with a second atomic operation. Two withdrawals can
 * both pass the check on the same money: the balance goes below zero. No
 * data race for ThreadSanitizer (every access is atomic) and no pthread
 * call: the window lies between two atomic operations, which the engine's
 * scheduling points at atomic operations (atomics.c) open.
 * expect: race */
#include "bank.h"

#include <stdatomic.h>
#include <stdlib.h>

struct account {
    atomic_long balance;
};

account_t *account_new(long balance)
{
    account_t *a = malloc(sizeof *a);
    if (a)
        atomic_init(&a->balance, balance);
    return a;
}

void account_free(account_t *a)
{
    free(a);
}

bool account_withdraw(account_t *a, long amount)
{
    if (atomic_load(&a->balance) < amount)
        return false;
    atomic_fetch_sub(&a->balance, amount); /* the check above may be stale */
    return true;
}

void account_deposit(account_t *a, long amount)
{
    atomic_fetch_add(&a->balance, amount);
}

long account_balance(account_t *a)
{
    return atomic_load(&a->balance);
}
