/* BUG: bank_balance reads an account's balance without its lock while
 * transfers change it: a data race (a torn or stale value on other
 * machines). Every other function is the reference solution.
 * expect: race */
#include "transfer.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct account {
    pthread_mutex_t lock;
    long balance;
} account;

struct bank {
    size_t accounts;
    account *acct;
};

bank_t *bank_new(size_t accounts, long initial_balance)
{
    if (accounts == 0)
        return NULL;
    bank_t *b = malloc(sizeof *b);
    account *a = calloc(accounts, sizeof *a);
    if (!b || !a) {
        free(b);
        free(a);
        return NULL;
    }
    for (size_t i = 0; i < accounts; i++) {
        pthread_mutex_init(&a[i].lock, NULL);
        a[i].balance = initial_balance;
    }
    b->accounts = accounts;
    b->acct = a;
    return b;
}

void bank_free(bank_t *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->accounts; i++)
        pthread_mutex_destroy(&b->acct[i].lock);
    free(b->acct);
    free(b);
}

bool bank_transfer(bank_t *b, size_t from, size_t to, long amount)
{
    if (from >= b->accounts || to >= b->accounts || amount < 0)
        return false;
    account *src = &b->acct[from], *dst = &b->acct[to];
    if (from == to) {
        pthread_mutex_lock(&src->lock);
        bool ok = src->balance >= amount;
        pthread_mutex_unlock(&src->lock);
        return ok;
    }
    account *first = from < to ? src : dst, *second = from < to ? dst : src;
    pthread_mutex_lock(&first->lock);
    pthread_mutex_lock(&second->lock);
    bool ok = src->balance >= amount;
    if (ok) {
        src->balance -= amount;
        dst->balance += amount;
    }
    pthread_mutex_unlock(&second->lock);
    pthread_mutex_unlock(&first->lock);
    return ok;
}

long bank_balance(bank_t *b, size_t account)
{
    return b->acct[account].balance; /* BUG: read while a transfer writes it */
}

long bank_total(bank_t *b)
{
    long sum = 0;
    for (size_t i = 0; i < b->accounts; i++)
        pthread_mutex_lock(&b->acct[i].lock);
    for (size_t i = 0; i < b->accounts; i++)
        sum += b->acct[i].balance;
    for (size_t i = b->accounts; i-- > 0;)
        pthread_mutex_unlock(&b->acct[i].lock);
    return sum;
}
