/* transfer.c - lesson 03: your solution goes here.
 *
 * Read README.md first. Each function below is a stub: replace its body.
 * Helpers you add must be `static`.
 */
#include "transfer.h"

#include <pthread.h>
#include <stdlib.h>

struct bank {
    size_t accounts;
    /* TODO: the balances, and a mutex per account. */
};

bank_t *bank_new(size_t accounts, long initial_balance)
{
    /* TODO: allocate the bank and its accounts, set every balance to
     * `initial_balance` and initialise every account's mutex. */
    (void)accounts;
    (void)initial_balance;
    return NULL;
}

void bank_free(bank_t *b)
{
    /* TODO: destroy the mutexes and free what bank_new allocated. */
    (void)b;
}

bool bank_transfer(bank_t *b, size_t from, size_t to, long amount)
{
    /* TODO: refuse bad input, then lock BOTH accounts in one global order
     * (the lower account number first, whichever way the money goes), check
     * the balance, move the money, unlock. from == to: lock the account
     * only once. */
    (void)b;
    (void)from;
    (void)to;
    (void)amount;
    return false;
}

long bank_balance(bank_t *b, size_t account)
{
    /* TODO: read one balance under its account's lock. */
    (void)b;
    (void)account;
    return 0;
}

long bank_total(bank_t *b)
{
    /* TODO: lock every account (in the same global order), add the balances
     * up, then unlock them all. */
    (void)b;
    return 0;
}
