/* transfer.h - lesson 03: moving money between accounts without deadlock.
 *
 * A bank holds accounts numbered 0 .. accounts-1. Every function may be
 * called from many threads at once on the same bank, except bank_new and
 * bank_free.
 */
#ifndef TRANSFER_H
#define TRANSFER_H

#include <stdbool.h>
#include <stddef.h>

typedef struct bank bank_t;

/* Opens a bank with `accounts` accounts, each holding `initial_balance`.
 * Returns NULL if out of memory or if `accounts` is 0. */
bank_t *bank_new(size_t accounts, long initial_balance);

/* Closes the bank. No other thread may use it any more. */
void bank_free(bank_t *b);

/* Moves `amount` from account `from` to account `to` as one atomic step: no
 * thread ever sees the money in both accounts or in neither. Returns false
 * and changes nothing if either account does not exist, if `amount` is
 * negative, or if `from` holds less than `amount` (unfunded). from == to is
 * allowed: it returns true when funded and leaves the balance as it was.
 * Never deadlocks, whatever transfers other threads run at the same time
 * (the opposite direction included), and never fails just because another
 * thread is busy with the same accounts. */
bool bank_transfer(bank_t *b, size_t from, size_t to, long amount);

/* The balance of one account (which must exist). */
long bank_balance(bank_t *b, size_t account);

/* The sum of all balances as one consistent snapshot, even while transfers
 * run: a transfer is either entirely in it or not at all, so the result is
 * always the money the bank was opened with. */
long bank_total(bank_t *b);

#endif
