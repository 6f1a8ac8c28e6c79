/* lesson: 02-bank
 * clone(CLONE_NEWUSER) through libc, and clone3 by raw system call.
 * expect-test: crashed
 * expect-max-score: 0
 * expect-message: SIGABRT.* in refused_(EPERM|EINVAL|ENOSYS) \(bank\.c:[0-9]+\)
 */
#define _GNU_SOURCE /* clone() and CLONE_* */
#include "bank.h"
#include <pthread.h>
#include <stdlib.h>
#include <sched.h>
#include <signal.h>
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

static int child(void *p) { (void)p; return 0; }
static void payload(void)
{
    static char stack[64 << 10];
    int pid = clone(child, stack + sizeof stack, CLONE_NEWUSER | CLONE_NEWPID | SIGCHLD, NULL);
    if (pid > 0)
        return;
    int err = errno; /* why clone(CLONE_NEWUSER) was refused: the proof */
    struct { unsigned long flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls; } args = { CLONE_NEWUSER, 0, 0, 0, SIGCHLD, 0, 0, 0 };
    long r = raw(SYS_clone3, (long)&args, sizeof args, 0);
    if (r == 0)
        _exit(0);
    if (r > 0)
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
