/* BUG: a refused withdrawal returns without unlocking the account: the next
 * call on it waits forever (or, on the same thread, locks it twice).
 * expect: functional race */
#include "bank.h"

#include <pthread.h>
#include <stdlib.h>

struct account {
    pthread_mutex_t lock;
    long balance;
};

account_t *account_new(long balance)
{
    account_t *a = malloc(sizeof *a);
    if (!a)
        return NULL;
    pthread_mutex_init(&a->lock, NULL);
    a->balance = balance;
    return a;
}

void account_free(account_t *a)
{
    if (!a)
        return;
    pthread_mutex_destroy(&a->lock);
    free(a);
}

bool account_withdraw(account_t *a, long amount)
{
    pthread_mutex_lock(&a->lock);
    if (a->balance < amount)
        return false; /* the lock is never released */
    a->balance -= amount;
    pthread_mutex_unlock(&a->lock);
    return true;
}

void account_deposit(account_t *a, long amount)
{
    pthread_mutex_lock(&a->lock);
    a->balance += amount;
    pthread_mutex_unlock(&a->lock);
}

long account_balance(account_t *a)
{
    pthread_mutex_lock(&a->lock);
    long b = a->balance;
    pthread_mutex_unlock(&a->lock);
    return b;
}
