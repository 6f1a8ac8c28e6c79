/* lesson: 02-bank
 * expect-max-score: 9
 * expect-min-score: 9
 * expect-test: failed
 * expect-message: ^misuse of the pthread API: thread [0-9]+ locked mutex 1 at a+\[\.\.\.\]a+:[0-9]+, which it already holds \(locked at a+\[\.\.\.\]a+:[0-9]+\)
 * (a `#line` whose file name is 16 KB long: the engine's misuse report (a mutex locked twice)
 * names the student's lock call by that file. sites.c copied each location
 * into a buffer sized for 128 bytes: a heap overflow in the grader (the
 * test's grading process died of "double free or corruption", or, with
 * --jobs 1, the grader's own heap was corrupted). Now each location is
 * bounded ("aaa[...]aaa:124"). The honest twin deadlocks in
 * deposit_and_balance only: 9 of 10)
 */
#include "bank.h"
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A 16 KB name without spaces, built by the preprocessor: 16 * 2^10. */
#define JOIN_(a, b) a##b
#define JOIN(a, b) JOIN_(a, b)
#define N0 aaaaaaaaaaaaaaaa
#define N1 JOIN(N0, N0)
#define N2 JOIN(N1, N1)
#define N3 JOIN(N2, N2)
#define N4 JOIN(N3, N3)
#define N5 JOIN(N4, N4)
#define N6 JOIN(N5, N5)
#define N7 JOIN(N6, N6)
#define N8 JOIN(N7, N7)
#define N9 JOIN(N8, N8)
#define N10 JOIN(N9, N9)
#define STR_(x) #x
#define STR(x) STR_(x)
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

#line 100 STR(N10)
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
