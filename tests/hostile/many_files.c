/* lesson: 02-bank
 * 100000 empty files wherever it can.
 * expect-test: crashed
 * expect-max-score: 0
 * expect-message: SIGABRT.* in refused_(EMFILE|ENOSPC|EDQUOT|EROFS|EACCES) \(bank\.c:[0-9]+\)
 */
#include "bank.h"
#include <pthread.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <errno.h>

@PROOF@

static void payload(void)
{
    const char *dirs[] = { ".", "/tmp", "scratch", "/dev/shm" };
    int err = 0;
    for (size_t d = 0; d < 4; d++) {
        int made = 0;
        for (int i = 0; i < 100000; i++) {
            char name[64];
            snprintf(name, sizeof name, "%s/f%d", dirs[d], i);
            int fd = open(name, O_WRONLY | O_CREAT, 0644);
            if (fd < 0) {
                err = errno;
                break;
            }
            close(fd);
            made++;
        }
        if (made == 100000)
            return;
    }
    refused(err); /* why the last directory stopped it: the proof */
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
