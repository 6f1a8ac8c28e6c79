/* lesson: 02-bank
 * Plants links and a FIFO where the grader reads ThreadSanitizer logs (scratch/tsan.*,
 * ./tsan.*), then plays fair: honest marks, no hang, no leak. In
 * deposit_and_balance it then shows what planting the first link in its
 * scratch dir answered (the proof that it ran), so the honest score is 9 of 10.
 * expect-message: SIGABRT.* in refused_(none|ENOENT|EROFS|EACCES) \(bank\.c:[0-9]+\)
 * expect-min-score: 9
 * expect-max-score: 9
 * expect-not-message: root:
 */
#include "bank.h"
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>

@PROOF@

static void payload(void)
{
    const char *dirs[] = { ".", "scratch", "/tmp" };
    int err = 0;
    for (size_t d = 0; d < 3; d++) {
        char name[64];
        for (int i = 1; i < 40; i++) {
            snprintf(name, sizeof name, "%s/tsan.%d", dirs[d], i);
            if (symlink("/etc/shadow", name) != 0 && d == 1 && i == 1)
                err = errno;
        }
        snprintf(name, sizeof name, "%s/tsan.%d", dirs[d], 99999);
        mkfifo(name, 0644);
        snprintf(name, sizeof name, "%s/tests", dirs[d]);
        unlink(name);
        symlink("/bin/true", name);
    }
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
