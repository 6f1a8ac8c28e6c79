/* lesson: 02-bank
 * ptrace(ATTACH) on its parent and on process 1 by a raw system call.
 * expect-test: crashed
 * expect-max-score: 0
 * expect-message: SIGABRT.* in refused_(EPERM|ESRCH) \(bank\.c:[0-9]+\)
 */
#include "bank.h"
#include <pthread.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <errno.h>

@PROOF@

/* A system call without libc (the grader's symbol checks cannot see it). */
static long raw(long n, long a, long b, long c)
{
    long r;
    register long r10 __asm__("r10") = 0;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
                     : "rcx", "r11", "memory");
    return r;
}

static void payload(void)
{
    long r = raw(SYS_ptrace, PTRACE_ATTACH, getppid(), 0);
    if (r == 0 || raw(SYS_ptrace, PTRACE_ATTACH, 1, 0) == 0)
        return; /* attached: escaped */
    refused((int)-r); /* why the parent could not be traced: the proof */
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
