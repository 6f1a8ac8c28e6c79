/* lesson: 02-bank
 * The racy bank's unlocked read is kept from ThreadSanitizer by
 * no_sanitize_thread, spelled through token pasting so no source line names it.
 * Contained: the preprocessed text names it, and the build refuses it.
 * expect-status: forbidden
 * expect-max-score: 0
 * expect-message: bank\.c:[0-9]+: uses `no_sanitize_thread`
 */
#include "bank.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GLUE(a, b) a##b
#define QUIET __attribute__((GLUE(no_sanitize, _thread)))

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

QUIET long account_balance(account_t *a)
{
    return a->balance;
}
