/* wallet.h - lesson 07: a wallet where takers wait until there is enough
 * money (condition variables).
 *
 * Every function may be called from many threads at once on the same wallet.
 */
#ifndef WALLET_H
#define WALLET_H

#include <stdbool.h>

typedef struct wallet wallet_t;

/* A new wallet holding `balance`. Returns NULL if out of memory. */
wallet_t *wallet_new(long balance);

/* Frees the wallet. No thread may use it any more (none is waiting in it). */
void wallet_free(wallet_t *w);

/* Adds `amount` (>= 0) and wakes the takers that may now be able to go on. */
void wallet_put(wallet_t *w, long amount);

/* Blocks until the balance is at least `amount` (>= 0), then takes it out.
 * Never returns before the money is there; the balance never goes negative. */
void wallet_take(wallet_t *w, long amount);

/* Like wallet_take, but gives up after `ms` milliseconds (CLOCK_MONOTONIC):
 * returns true if the money was taken, false (and nothing taken) if the time
 * ran out first. Never returns false before `ms` have passed. */
bool wallet_take_timeout(wallet_t *w, long amount, unsigned ms);

/* The current balance. */
long wallet_balance(wallet_t *w);

#endif
