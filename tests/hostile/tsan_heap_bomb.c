/* lesson: 02-bank
 * slow: yes (started first: it runs into time limits or fills its limits)
 * A heap bomb that fires only under ThreadSanitizer (no address-space limit), where
 * the run has no RLIMIT_AS: without a memory cgroup (an ordinary user,
 * GRADER_SANDBOX=plain) nothing stopped it, so it took 3 GB (more with
 * TSan's shadow) of the host's memory and still scored full marks. It stops
 * at 3 GB so that an unbounded grader survives the demonstration. The
 * cgroup, or the grader's watch of the run's resident memory, must kill it.
 * expect-max-score: 4
 * (the payload fires in the TSan run of each race test: 6 points; the
 * functional tests are honest and run without TSan)
 * expect-message: used more than [0-9]+ MB of memory
 */
#include "bank.h"
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

/* True in a ThreadSanitizer run: the only run without an address-space
 * limit (TSan reserves terabytes). */
static int tsan_mapped(void)
{
    struct rlimit r;
    return getrlimit(RLIMIT_AS, &r) == 0 && r.rlim_cur == RLIM_INFINITY;
}

static void payload(void)
{
    static int done;
    if (done || !tsan_mapped())
        return;
    done = 1;
    /* 3 GB made resident by the kernel at once (touching it page by page
     * under TSan is slow), kept for the rest of the run. */
    void *p = mmap(NULL, 3ul << 30, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    (void)p;
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
