/* BUG: each step is locked, the pair is not: the withdrawal checks the
 * balance in one critical section (account_balance) and subtracts in a
 * second. Between the two another withdrawal can pass the same check, and
 * the balance goes below zero. No data race for ThreadSanitizer: every
 * access holds the lock.
 * expect: race */
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
    bool ok = account_balance(a) >= amount; /* the lock is let go here */
    if (ok) {
        pthread_mutex_lock(&a->lock);
        a->balance -= amount;
        pthread_mutex_unlock(&a->lock);
    }
    return ok;
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
