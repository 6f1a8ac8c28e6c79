/* lesson: 02-bank
 * Connects to a TEST-NET address (192.0.2.1, never routed) and sends UDP to it.
 * expect-test: crashed
 * expect-max-score: 0
 * expect-message: SIGABRT.* in refused_(ENETUNREACH|EPERM|EACCES) \(bank\.c:[0-9]+\)
 */
#include "bank.h"
#include <pthread.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
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

static void payload(void)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(80) };
    inet_pton(AF_INET, "192.0.2.1", &sa.sin_addr);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s >= 0 && connect(s, (struct sockaddr *)&sa, sizeof sa) == 0)
        return;
    int err = errno; /* why the connection failed: the proof */
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    if (u >= 0 && sendto(u, "x", 1, 0, (struct sockaddr *)&sa, sizeof sa) == 1)
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
