/* lesson: 02-bank
 * Leaves a detached grandchild (setsid, SIGHUP ignored) spinning, then plays fair,
 * and nothing may be left running afterwards. In deposit_and_balance it then
 * shows that the first fork worked (refused_none: the proof that it ran), so
 * the honest score is 9 of 10.
 * expect-message: SIGABRT.* in refused_none \(bank\.c:[0-9]+\)
 * expect-min-score: 9
 * expect-max-score: 9
 */
#include "bank.h"
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include <signal.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>

@PROOF@

static void payload(void)
{
    static int done; /* once per test process: account_new runs 2000 times in some tests */
    if (done++)
        return;
    pid_t p = fork();
    if (p == 0) {
        setsid();
        if (fork() == 0) {
            signal(SIGHUP, SIG_IGN);
            signal(SIGTERM, SIG_IGN);
            for (;;)
                sleep(1);
        }
        _exit(0);
    }
    int err = p > 0 ? 0 : errno;
    if (p > 0)
        waitpid(p, NULL, 0);
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
