/* bank.c - lesson 02: your solution goes here.
 *
 * Read README.md first. Each function below is a stub: replace its body.
 * Helpers you add must be `static`.
 */
#include "bank.h"

#include <pthread.h>
#include <stdlib.h>

struct account {
    long balance;
    /* TODO: add what you need to make the account safe to share. */
};

account_t *account_new(long balance)
{
    /* TODO: allocate an account holding `balance` and set up its lock. */
    (void)balance;
    return NULL;
}

void account_free(account_t *a)
{
    /* TODO: release what account_new set up. */
    (void)a;
}

bool account_withdraw(account_t *a, long amount)
{
    /* TODO: check the balance and take the money out as one step that no
     * other thread can interrupt. */
    (void)a;
    (void)amount;
    return false;
}

void account_deposit(account_t *a, long amount)
{
    /* TODO: add `amount` to the balance. */
    (void)a;
    (void)amount;
}

long account_balance(account_t *a)
{
    /* TODO: return the balance. */
    (void)a;
    return 0;
}
