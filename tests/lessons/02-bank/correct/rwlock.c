/* A correct alternative: a read-write lock per account. Balance reads share
 * it; withdrawals and deposits hold it exclusively, check and change under
 * one hold. Must get full marks. */
#include "bank.h"

#include <pthread.h>
#include <stdlib.h>

struct account {
    pthread_rwlock_t lock;
    long balance;
};

account_t *account_new(long balance)
{
    account_t *a = malloc(sizeof *a);
    if (!a)
        return NULL;
    if (pthread_rwlock_init(&a->lock, NULL) != 0) {
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
    pthread_rwlock_destroy(&a->lock);
    free(a);
}

bool account_withdraw(account_t *a, long amount)
{
    pthread_rwlock_wrlock(&a->lock);
    bool ok = a->balance >= amount;
    if (ok)
        a->balance -= amount;
    pthread_rwlock_unlock(&a->lock);
    return ok;
}

void account_deposit(account_t *a, long amount)
{
    pthread_rwlock_wrlock(&a->lock);
    a->balance += amount;
    pthread_rwlock_unlock(&a->lock);
}

long account_balance(account_t *a)
{
    pthread_rwlock_rdlock(&a->lock);
    long b = a->balance;
    pthread_rwlock_unlock(&a->lock);
    return b;
}
