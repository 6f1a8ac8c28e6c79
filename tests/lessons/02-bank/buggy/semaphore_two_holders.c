/* BUG: the semaphore.c alternative with each account's semaphore made with
 * value 2: two threads can hold it at once, so their balance updates race.
 * expect: race */
#include "bank.h"

#include <semaphore.h>
#include <stdlib.h>

struct account {
    sem_t lock;
    long balance;
};

static void take(account_t *a)
{
    while (sem_wait(&a->lock) != 0)
        continue;
}

account_t *account_new(long balance)
{
    account_t *a = malloc(sizeof *a);
    if (!a)
        return NULL;
    if (sem_init(&a->lock, 0, 2) != 0) { /* two holders at once */
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
    sem_destroy(&a->lock);
    free(a);
}

bool account_withdraw(account_t *a, long amount)
{
    take(a);
    bool ok = a->balance >= amount;
    if (ok)
        a->balance -= amount;
    sem_post(&a->lock);
    return ok;
}

void account_deposit(account_t *a, long amount)
{
    take(a);
    a->balance += amount;
    sem_post(&a->lock);
}

long account_balance(account_t *a)
{
    take(a);
    long b = a->balance;
    sem_post(&a->lock);
    return b;
}
