/* BUG: a home-made spin lock whose acquire is an atomic load (is it free?)
 * followed by a separate atomic store (take it). Two threads can both see it
 * free before either stores: both are inside at once and the balance is
 * updated by two threads with nothing ordering them. The window lies
 * between two atomic operations, no pthread call in sight: the engine's
 * scheduling points at atomic operations (atomics.c) open it.
 * expect: race */
#include "bank.h"

#include <stdatomic.h>
#include <stdlib.h>

struct account {
    atomic_int locked;
    long balance;
};

static void spin_lock(atomic_int *l)
{
    while (atomic_load(l))
        ;
    atomic_store(l, 1); /* not atomic with the load that saw it free */
}

static void spin_unlock(atomic_int *l)
{
    atomic_store(l, 0);
}

account_t *account_new(long balance)
{
    account_t *a = malloc(sizeof *a);
    if (a) {
        atomic_init(&a->locked, 0);
        a->balance = balance;
    }
    return a;
}

void account_free(account_t *a)
{
    free(a);
}

bool account_withdraw(account_t *a, long amount)
{
    spin_lock(&a->locked);
    bool ok = a->balance >= amount;
    if (ok)
        a->balance -= amount;
    spin_unlock(&a->locked);
    return ok;
}

void account_deposit(account_t *a, long amount)
{
    spin_lock(&a->locked);
    a->balance += amount;
    spin_unlock(&a->locked);
}

long account_balance(account_t *a)
{
    spin_lock(&a->locked);
    long b = a->balance;
    spin_unlock(&a->locked);
    return b;
}
