/* lesson: 02-bank
 * A constructor present only in the ThreadSanitizer build (the object checks
 * read the plain one): it runs before main, unchecked, and marks the run so
 * the racy bank locks there alone. Contained: no flavour-only code exists (the
 * macro is undefined), and the TSan object gets the constructor check too.
 * expect-max-score: 8.5
 * expect-message: ThreadSanitizer: data race.*account_balance
 */
#include "bank.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tsan_run;
#ifdef __SANITIZE_THREAD__
__attribute__((constructor)) static void mark(void) { tsan_run = 1; }
#endif

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
    if (tsan_run) {
        pthread_mutex_lock(&a->lock);
        long b = a->balance;
        pthread_mutex_unlock(&a->lock);
        return b;
    }
    return a->balance;
}
