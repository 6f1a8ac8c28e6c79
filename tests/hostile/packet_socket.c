/* lesson: 02-bank
 * Raw packet and netlink sockets (families other than unix/inet/inet6).
 * expect-test: crashed
 * expect-max-score: 0
 * expect-message: SIGABRT.* in refused_(EPERM|EACCES|EAFNOSUPPORT|EINVAL) \(bank\.c:[0-9]+\)
 */
#include "bank.h"
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <errno.h>

@PROOF@

static void payload(void)
{
    if (socket(AF_PACKET, SOCK_RAW, 0) >= 0)
        return;
    int err = errno; /* why the packet socket was refused: the proof */
    if (socket(AF_NETLINK, SOCK_RAW, 0) >= 0)
        return;
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
