/* A correct alternative written with C11 <threads.h>: an mtx_t per account,
 * the two accounts of a transfer locked in account-number order, the total
 * taken with every account locked in that same order. The engine sees the
 * mtx_* calls (lock order, wait-for cycles, noise) as pthread mutexes. Must
 * get full marks. */
#include "transfer.h"

#include <stdlib.h>
#include <threads.h>

typedef struct account {
    mtx_t lock;
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
        if (mtx_init(&a[i].lock, mtx_plain) != thrd_success) {
            while (i-- > 0)
                mtx_destroy(&a[i].lock);
            free(b);
            free(a);
            return NULL;
        }
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
        mtx_destroy(&b->acct[i].lock);
    free(b->acct);
    free(b);
}

bool bank_transfer(bank_t *b, size_t from, size_t to, long amount)
{
    if (from >= b->accounts || to >= b->accounts || amount < 0)
        return false;
    account *src = &b->acct[from], *dst = &b->acct[to];
    if (from == to) {
        mtx_lock(&src->lock);
        bool ok = src->balance >= amount;
        mtx_unlock(&src->lock);
        return ok;
    }
    account *first = from < to ? src : dst, *second = from < to ? dst : src;
    mtx_lock(&first->lock);
    mtx_lock(&second->lock);
    bool ok = src->balance >= amount;
    if (ok) {
        src->balance -= amount;
        dst->balance += amount;
    }
    mtx_unlock(&second->lock);
    mtx_unlock(&first->lock);
    return ok;
}

long bank_balance(bank_t *b, size_t account)
{
    mtx_lock(&b->acct[account].lock);
    long v = b->acct[account].balance;
    mtx_unlock(&b->acct[account].lock);
    return v;
}

long bank_total(bank_t *b)
{
    long sum = 0;
    for (size_t i = 0; i < b->accounts; i++)
        mtx_lock(&b->acct[i].lock);
    for (size_t i = 0; i < b->accounts; i++)
        sum += b->acct[i].balance;
    for (size_t i = b->accounts; i-- > 0;)
        mtx_unlock(&b->acct[i].lock);
    return sum;
}
