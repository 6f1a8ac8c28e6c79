/* lesson: 02-bank
 * Writes outside its work dir: the host's /tmp, the course, /etc, /root. The
 * suite writes this checkout's path for @COURSE_ROOT@.
 * attack-target: @COURSE_ROOT@
 * expect-no-file: /tmp/hostile-write-outside-marker
 * expect-no-file: /root/hostile-write-outside-marker
 * expect-no-file: @COURSE_ROOT@/hostile-write-outside-marker
 * expect-test: crashed
 * expect-message: SIGABRT.* in refused_(ENOENT|EROFS|EACCES) \(bank\.c:[0-9]+\)
 * expect-max-score: 0
 */
#include "bank.h"
#include <pthread.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

@PROOF@

#define COURSE_ROOT "@COURSE_ROOT@" /* the checkout, written in by the suite */

static void payload(void)
{
    /* The host's: none of these may be written. (/tmp and .. are the
     * sandbox's own tmpfs there; on the host they are the marker paths the
     * suite looks for.) */
    const char *paths[] = { COURSE_ROOT "/hostile-write-outside-marker", "/root/hostile-write-outside-marker",
                            "/etc/hostile-write-outside-marker", "/tmp/hostile-write-outside-marker",
                            "../hostile-write-outside-marker" };
    int err = 0;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        int fd = open(paths[i], O_WRONLY | O_CREAT, 0644);
        if (fd >= 0)
            close(fd);
        else if (i == 0)
            err = errno; /* why the course refused it: the proof */
        if (fd >= 0 && i < 3)
            return; /* a host directory was writable: play fair, score */
    }
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
