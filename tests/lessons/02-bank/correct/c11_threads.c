/* A correct alternative written with C11 <threads.h>: an mtx_t per account,
 * every read and change of the balance under it. ThreadSanitizer has no C11
 * interceptors of its own: the grader routes mtx_* to the pthread calls it
 * sees. Must get full marks. */
#include "bank.h"

#include <stdlib.h>
#include <threads.h>

struct account {
    mtx_t lock;
    long balance;
};

account_t *account_new(long balance)
{
    account_t *a = malloc(sizeof *a);
    if (!a)
        return NULL;
    if (mtx_init(&a->lock, mtx_plain) != thrd_success) {
        free(a);
        return NULL;
    }
    a->balance = balance;
    return a;
}

void account_free(account_t *a)
{
    if (!a)
        return;
    mtx_destroy(&a->lock);
    free(a);
}

bool account_withdraw(account_t *a, long amount)
{
    mtx_lock(&a->lock);
    bool ok = a->balance >= amount;
    if (ok)
        a->balance -= amount;
    mtx_unlock(&a->lock);
    return ok;
}

void account_deposit(account_t *a, long amount)
{
    mtx_lock(&a->lock);
    a->balance += amount;
    mtx_unlock(&a->lock);
}

long account_balance(account_t *a)
{
    mtx_lock(&a->lock);
    long balance = a->balance;
    mtx_unlock(&a->lock);
    return balance;
}
