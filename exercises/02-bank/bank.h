/* bank.h - lesson 02: a bank account shared by many threads.
 *
 * Every function may be called from many threads at once on the same account.
 */
#ifndef BANK_H
#define BANK_H

#include <stdbool.h>

typedef struct account account_t;

/* Opens an account holding `balance`. Returns NULL if out of memory. */
account_t *account_new(long balance);

/* Closes the account. No other thread may use it any more. */
void account_free(account_t *a);

/* Takes `amount` out of the account and returns true, or returns false and
 * changes nothing if the balance is smaller than `amount`. The balance never
 * goes below zero, however many threads withdraw at once. */
bool account_withdraw(account_t *a, long amount);

/* Adds `amount` to the account. */
void account_deposit(account_t *a, long amount);

/* The current balance. */
long account_balance(account_t *a);

#endif
