/* lesson: 02-bank
 * Writes outside its work dir: the host's /tmp, the course, /etc, /root.
 * expect-no-file: /tmp/hostile-write-outside-marker
 * expect-no-file: /root/hostile-write-outside-marker
 * expect-test: crashed
 * expect-max-score: 0
 */
#include "bank.h"
#include <pthread.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>

static void payload(void)
{
    const char *paths[] = { "/tmp/hostile-write-outside-marker", "../hostile-write-outside-marker",
                            "/root/hostile-write-outside-marker", "/etc/hostile-write-outside-marker",
                            "/work/main/hostile-write-outside-marker" };
    int wrote = 0;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        int fd = open(paths[i], O_WRONLY | O_CREAT, 0644);
        if (fd >= 0) {
            close(fd);
            wrote++;
        }
    }
    /* /tmp and .. are the sandbox's own tmpfs: the others must fail. */
    if (wrote > 2)
        return;
    abort();
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
