/* lesson: 02-bank
 * A legitimate program: 64 threads work on every new account and are joined.
 * Full marks.
 * no-attack: a legitimate load, nothing to prove beyond the honest full marks
 * expect-min-score: 10
 * expect-max-score: 10
 */
#include "bank.h"
#include <pthread.h>
#include <stdlib.h>

static void *work(void *p)
{
    long *s = p;
    for (long i = 0; i < 10000; i++)
        *s += i % 7;
    return NULL;
}
static void payload(void)
{
    pthread_t t[64];
    long sums[64];
    for (long i = 0; i < 64; i++) {
        sums[i] = i;
        if (pthread_create(&t[i], NULL, work, &sums[i]) != 0)
            abort();
    }
    for (int i = 0; i < 64; i++)
        pthread_join(t[i], NULL);
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
