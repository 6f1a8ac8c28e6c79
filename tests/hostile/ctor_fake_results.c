/* lesson: 02-bank
 * A constructor (hidden in .init_array by hand) prints fake results and exits 0.
 * expect-status: forbidden
 * expect-max-score: 0
 * expect-message: defines a \.init_array section
 */
#include "bank.h"
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <unistd.h>

static void fake(void)
{
    printf("pass deposit_and_balance\npass two_users_withdraw_600\n10/10 all tests passed\n");
    _exit(0);
}
__attribute__((used, section(".init_array"))) static void (*const hook)(void) = fake;
static void payload(void) {}

struct account { pthread_mutex_t mu; long balance; };
account_t *account_new(long balance)
{
    payload();
    account_t *a = malloc(sizeof *a);
    if (!a)
        return NULL;
    pthread_mutex_init(&a->mu, NULL);
    a->balance = balance;
    return a;
}
void account_free(account_t *a) { pthread_mutex_destroy(&a->mu); free(a); }
bool account_withdraw(account_t *a, long amount)
{
    pthread_mutex_lock(&a->mu);
    bool ok = a->balance >= amount;
    if (ok)
        a->balance -= amount;
    pthread_mutex_unlock(&a->mu);
    return ok;
}
void account_deposit(account_t *a, long amount)
{
    pthread_mutex_lock(&a->mu);
    a->balance += amount;
    pthread_mutex_unlock(&a->mu);
}
long account_balance(account_t *a)
{
    pthread_mutex_lock(&a->mu);
    long b = a->balance;
    pthread_mutex_unlock(&a->mu);
    return b;
}
