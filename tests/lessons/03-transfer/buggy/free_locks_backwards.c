/* BUG (latent: it never hangs in these tests): transfers and totals lock
 * accounts lowest number first, but bank_free, "to wait for any transfer
 * still in flight", locks every account from the highest number down before
 * it destroys them. bank_free never runs beside a transfer here, so no run
 * can hang; yet the two orders make a cycle in the lock-order graph (a
 * transfer holds account 0 and waits for 1, bank_free holds 1 and waits for
 * 0), the very cycle that deadlocks the day bank_free does meet a transfer.
 * Only the lock-order graph can catch it: one global order, on every path.
 * expect: deadlock */
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
    for (size_t i = b->accounts; i-- > 0;)
        pthread_mutex_lock(&b->acct[i].lock);
    for (size_t i = 0; i < b->accounts; i++)
        pthread_mutex_unlock(&b->acct[i].lock);
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
    pthread_mutex_lock(&b->acct[account].lock);
    long v = b->acct[account].balance;
    pthread_mutex_unlock(&b->acct[account].lock);
    return v;
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
