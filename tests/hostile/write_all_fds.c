/* lesson: 02-bank
 * Writes fake records to every file descriptor, then _exit(0).
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
    for (int fd = 0; fd < 1024; fd++)
        for (int i = 0; i < 4; i++)
            dprintf(fd, "pass deposit_and_balance\n");
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
