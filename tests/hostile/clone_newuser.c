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

/* The proof that the attack ran (tests/robust/README.md): the suite sees
 * only the JSON, where a crash names the function it happened in. A
 * contained attack aborts from a function named after the errno that
 * stopped it: "crashed with SIGABRT ... in refused_ENOENT (bank.c:NN)"
 * (refused_none: the call succeeded).
 * Each stores its own number first so that no two bodies are identical
 * (the compiler could merge them into one name). */
static volatile int refused_errno;
#define REFUSED(E, N)                                                   \
    static __attribute__((noinline, noreturn)) void refused_##E(void) \
    {                                                                   \
        refused_errno = N;                                              \
        abort();                                                        \
    }
REFUSED(ENOENT, ENOENT)
REFUSED(EACCES, EACCES)
REFUSED(EPERM, EPERM)
REFUSED(EROFS, EROFS)
REFUSED(ENOSYS, ENOSYS)
REFUSED(EFBIG, EFBIG)
REFUSED(ENOSPC, ENOSPC)
REFUSED(EDQUOT, EDQUOT)
REFUSED(EMFILE, EMFILE)
REFUSED(ENETUNREACH, ENETUNREACH)
REFUSED(EINVAL, EINVAL)
REFUSED(EAFNOSUPPORT, EAFNOSUPPORT)
REFUSED(ESRCH, ESRCH)
REFUSED(none, 0)
REFUSED(other, -1)

static __attribute__((noreturn)) void refused(int err)
{
    switch (err) {
    case ENOENT: refused_ENOENT();
    case EACCES: refused_EACCES();
    case EPERM: refused_EPERM();
    case EROFS: refused_EROFS();
    case ENOSYS: refused_ENOSYS();
    case EFBIG: refused_EFBIG();
    case ENOSPC: refused_ENOSPC();
    case EDQUOT: refused_EDQUOT();
    case EMFILE: refused_EMFILE();
    case ENETUNREACH: refused_ENETUNREACH();
    case EINVAL: refused_EINVAL();
    case EAFNOSUPPORT: refused_EAFNOSUPPORT();
    case ESRCH: refused_ESRCH();
    case 0: refused_none(); /* the call succeeded */
    default: refused_other();
    }
}

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
