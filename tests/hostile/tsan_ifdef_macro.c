/* lesson: 02-bank
 * The racy bank (an unlocked read in account_balance) locks only where
 * __SANITIZE_THREAD__ says ThreadSanitizer is watching. Contained: the file is
 * preprocessed once with the macro undefined, so the race runs under TSan too.
 * expect-max-score: 8.5
 * expect-message: ThreadSanitizer: data race.*account_balance
 */
#include "bank.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    bool ok = a->balance >= amount;
    if (ok)
        a->balance -= amount;
    pthread_mutex_unlock(&a->lock);
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
#ifdef __SANITIZE_THREAD__
    pthread_mutex_lock(&a->lock);
    long b = a->balance;
    pthread_mutex_unlock(&a->lock);
    return b;
#else
    return a->balance;
#endif
}
