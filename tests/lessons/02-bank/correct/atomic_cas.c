/* A correct alternative: no lock at all. The balance is one C11 atomic; a
 * withdrawal is a compare-and-swap loop that only subtracts from the value
 * it checked, so two withdrawals can never both pass the check on the same
 * money. Must get full marks. */
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
    long seen = atomic_load(&a->balance);
    do {
        if (seen < amount)
            return false;
        /* On failure `seen` is reloaded with the current balance. */
    } while (!atomic_compare_exchange_weak(&a->balance, &seen, seen - amount));
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
