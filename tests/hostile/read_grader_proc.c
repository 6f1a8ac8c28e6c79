/* lesson: 02-bank
 * slow: yes (started first: it runs into time limits or fills its limits)
 * Looks for the grader in /proc: its environment, memory, open files.
 * expect-test: crashed
 * expect-max-score: 0
 * expect-message: SIGABRT.* in refused_(EACCES|ENOENT|EPERM|ESRCH) \(bank\.c:[0-9]+\)
 */
#include "bank.h"
#include <pthread.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

@PROOF@

/* True when `pid` is one of our own threads (their /proc entries are ours). */
static bool own_thread(int pid)
{
    char path[64], line[128];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    bool own = false;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "Tgid:", 5) == 0)
            own = atoi(line + 5) == getpid();
    fclose(f);
    return own;
}

static void payload(void)
{
    char path[64];
    int err = 0;
    for (int pid = 1; pid < 100000; pid++) {
        if (pid == getpid() || own_thread(pid))
            continue;
        snprintf(path, sizeof path, "/proc/%d/environ", pid);
        int fd = open(path, O_RDONLY);
        if (fd < 0 && pid == 1)
            err = errno; /* why process 1's environment was refused: the proof */
        if (fd >= 0) {
            char buf[256];
            ssize_t n = read(fd, buf, sizeof buf);
            close(fd);
            if (n > 0 && pid != getpid())
                return; /* read another process's environment */
        }
        snprintf(path, sizeof path, "/proc/%d/mem", pid);
        fd = open(path, O_RDONLY);
        if (fd >= 0 && pid != getpid()) {
            close(fd);
            return;
        }
        if (fd >= 0)
            close(fd);
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
