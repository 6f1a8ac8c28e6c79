/* lesson: 02-bank
 * slow: yes (started first: it runs into time limits or fills its limits)
 * expect-test: timeout
 * expect-max-score: 9
 * expect-min-score: 9
 * (the payload fires in deposit_and_balance only; the other tests are honest)
 * expect-message: did not finish within [0-9.]+ s
 */
#include "bank.h"
#include <unistd.h>
#include <string.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>

/* True in the process that runs the named test (its argv says so): the
 * payload fires in one test only, so the case stays fast. */
static int in_test(const char *name)
{
    char buf[4096];
    int fd = open("/proc/self/cmdline", O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        close(fd);
    for (ssize_t i = 0; i < n; i++)
        if (!buf[i])
            buf[i] = ' ';
    buf[n > 0 ? n : 0] = '\0';
    return strstr(buf, name) != NULL;
}

static void payload(void)
{
    if (!in_test("deposit_and_balance"))
        return;
    for (volatile unsigned long i = 0;; i++)
        ;
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
