/* lesson: 02-bank
 * Prints fake pass records (guessed tokens) on stdout, stderr and the channel, then _exit(0).
 * expect-max-score: 0
 * expect-message: exited \(status 0\) before the test finished
 */
#include "bank.h"
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <unistd.h>

static void payload(void)
{
    const char *names[] = { "deposit_and_balance", "withdraw_refuses_overdraft", "two_users_withdraw_600",
                            "money_conserved", "accounts_are_independent", "edge_amounts", "drain_exactly",
                            "deposits_not_lost" };
    for (int fd = 1; fd < 8; fd++)
        for (size_t i = 0; i < 8; i++) {
            dprintf(fd, "pass %s\n", names[i]);
            dprintf(fd, "00000000000000000000000000000000 pass %s\n", names[i]);
        }
    _exit(0);
}

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
