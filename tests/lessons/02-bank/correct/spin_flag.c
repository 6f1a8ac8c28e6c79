/* A correct alternative: a spin lock on atomic_flag. test_and_set takes the
 * lock in one atomic step (acquire), clear releases it, so the balance is
 * only ever touched by the flag's holder. Must get full marks, with the
 * engine's scheduling points at every atomic operation (atomics.c). */
#include "bank.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

struct account {
    atomic_flag locked;
    long balance;
};

static void spin_lock(atomic_flag *l)
{
    while (atomic_flag_test_and_set_explicit(l, memory_order_acquire))
        sched_yield(); /* a spinner leaves the core to the holder */
}

static void spin_unlock(atomic_flag *l)
{
    atomic_flag_clear_explicit(l, memory_order_release);
}

account_t *account_new(long balance)
{
    account_t *a = malloc(sizeof *a);
    if (a) {
        atomic_flag_clear(&a->locked);
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
