/* lesson: 02-bank
 * kill(-1, SIGKILL), then plays fair: the grader survives, honest marks. In
 * deposit_and_balance it then shows what kill(-1) answered (the proof that
 * it ran), so the honest score is 9 of 10.
 * expect-message: SIGABRT.* in refused_EPERM \(bank\.c:[0-9]+\)
 * expect-min-score: 9
 * expect-max-score: 9
 */
#include "bank.h"
#include <pthread.h>
#include <stdlib.h>
#include <signal.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

@PROOF@

static void payload(void)
{
    int r = kill(-1, SIGKILL);
    int err = r == 0 ? 0 : errno;
    kill(-1, SIGTERM);
    if (in_test("deposit_and_balance"))
        refused(err);
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
