/* lesson: 02-bank
 * Writes a 1 GiB file wherever it can (work dir, /tmp, its scratch dir).
 * expect-test: crashed
 * expect-max-score: 0
 * expect-message: SIGABRT.* in refused_(EFBIG|ENOSPC|EDQUOT|EROFS|EACCES) \(bank\.c:[0-9]+\)
 */
#include "bank.h"
#include <pthread.h>
#include <stdlib.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <errno.h>

@PROOF@

static void payload(void)
{
    static char buf[1 << 20];
    int err = 0;
    const char *paths[] = { "big.bin", "/tmp/big.bin", "scratch/big.bin", "/dev/shm/big.bin" };
    signal(SIGXFSZ, SIG_IGN);
    for (size_t i = 0; i < 4; i++) {
        int fd = open(paths[i], O_WRONLY | O_CREAT | O_TRUNC, 0644);
        long total = 0;
        if (fd < 0)
            err = errno;
        while (fd >= 0 && total < (1l << 30)) {
            ssize_t n = write(fd, buf, sizeof buf);
            if (n <= 0) {
                err = n < 0 ? errno : ENOSPC;
                break;
            }
            total += n;
        }
        if (fd >= 0)
            close(fd);
        if (total >= (1l << 30))
            return; /* the disk was ours */
    }
    refused(err); /* why the last try stopped: the proof */
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
