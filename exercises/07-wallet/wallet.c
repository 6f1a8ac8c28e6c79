/* wallet.c - lesson 07: your solution goes here.
 *
 * Read README.md first. Each function below is a stub: replace its body.
 * Helpers you add must be `static`.
 */
#include "wallet.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct wallet {
    long balance;
    /* TODO: add a mutex that guards `balance` and a condition variable that
     * takers wait on. */
};

wallet_t *wallet_new(long balance)
{
    /* TODO: allocate a wallet holding `balance`; initialise the mutex and the
     * condition variable (on CLOCK_MONOTONIC: pthread_condattr_setclock). */
    (void)balance;
    return NULL;
}

void wallet_free(wallet_t *w)
{
    /* TODO: destroy what wallet_new initialised and free the wallet. */
    (void)w;
}

void wallet_put(wallet_t *w, long amount)
{
    /* TODO: under the lock, add the money and wake every waiting taker. */
    (void)w;
    (void)amount;
}

void wallet_take(wallet_t *w, long amount)
{
    /* TODO: under the lock, wait in a while loop until the balance is at
     * least `amount`, then take it out. */
    (void)w;
    (void)amount;
}

bool wallet_take_timeout(wallet_t *w, long amount, unsigned ms)
{
    /* TODO: like wallet_take, but stop waiting at a deadline `ms` from now;
     * take the money only if it is there. */
    (void)w;
    (void)amount;
    (void)ms;
    return false;
}

long wallet_balance(wallet_t *w)
{
    /* TODO: read the balance under the lock. */
    (void)w;
    return 0;
}
