/* lesson: 02-bank
 * expect-max-score: 9
 * expect-min-score: 9
 * expect-test: failed
 * expect-message: ^misuse of the pthread API: thread [0-9]+ locked mutex 1 at \ufffd\ufffd\ufffd\.c:[0-9]+, which
 * (a `#line` whose file name is not UTF-8: the engine's misuse report (a mutex locked twice)
 * names the student's lock call by that file. Jansson refuses invalid
 * UTF-8, so the message vanished from the JSON; now the bytes become U+FFFD.
 * The honest twin deadlocks in deposit_and_balance only: 9 of 10)
 */
#include "bank.h"
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The first #line name takes the file slot that binutils' addr2line reads as
 * the compile unit's own name; the second one is what it then prints. */
#line 1 "first.c"

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

#line 100 "\xff\xfe\xc3.c"
/* Asked once per process (each test runs in its own): deposits under
 * stress stay fast. */
static bool in_deposit_test(void)
{
    static _Atomic int cached = -1;
    if (cached < 0)
        cached = in_test("deposit_and_balance");
    return cached;
}

struct account { pthread_mutex_t mu; long balance; };
account_t *account_new(long balance)
{
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
    if (in_deposit_test())
        pthread_mutex_lock(&a->mu); /* locks it again: the engine reports a deadlock */
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
