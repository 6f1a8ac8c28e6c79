/* lesson: 02-bank
 * A bank without a lock (its race tests fail) whose account_deposit is a
 * GNU IFUNC: the resolver runs before main, before any constructor, while
 * the program is still being relocated. There it prints a fake test
 * listing (only the functional tests, which this bank passes) and fake
 * pass lines on stdout and stderr; started to list the tests (--list), it
 * prints that listing alone and exits 0, which would hide the failing race
 * tests. The tests' list comes from the judge, which holds no student
 * code, and nothing but the judge says pass; and the build refuses an
 * indirect function like a constructor (code before main), naming it.
 * (Were it let through, its resolver would exit at once in
 * deposit_and_balance, and the bank would get its honest 3 of 10.)
 * expect-status: forbidden
 * expect-message: `account_deposit` an indirect function \(ifunc\)
 * expect-max-score: 0
 */
#include "bank.h"

#include <stdlib.h>
#include <sys/syscall.h>

/* Nothing of the C library is ready in a resolver: raw system calls. */
static long raw3(long n, long a, long b, long c)
{
    long r;
#if defined(__x86_64__)
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
#elif defined(__aarch64__)
    register long x8 __asm__("x8") = n, x0 __asm__("x0") = a, x1 __asm__("x1") = b,
                  x2 __asm__("x2") = c;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
    r = x0;
#else
#error "x86_64 or aarch64"
#endif
    return r;
}

static unsigned long len_of(const char *s)
{
    unsigned long n = 0;
    while (s[n])
        n++;
    return n;
}

/* `word` as one whole NUL-separated argument of the command line. */
static int has_arg(const char *cmd, long n, const char *word)
{
    unsigned long w = len_of(word);
    for (long i = 0; i < n; i += (long)len_of(cmd + i) + 1) {
        unsigned long k = 0;
        while (k < w && cmd[i + (long)k] == word[k])
            k++;
        if (k == w && cmd[i + (long)k] == '\0')
            return 1;
    }
    return 0;
}

static const char listing[] =
    "test deposit_and_balance functional 0 public\n"
    "test withdraw_refuses_overdraft functional 0 public\n"
    "test accounts_are_independent functional 0 hidden\n"
    "test edge_amounts functional 0 hidden\n"
    "end\n";
static const char passes[] =
    "pass deposit_and_balance\npass withdraw_refuses_overdraft\npass two_users_withdraw_600\n"
    "pass money_conserved\npass accounts_are_independent\npass edge_amounts\n"
    "pass drain_exactly\npass deposits_not_lost\n";

struct account {
    long balance;
};

static void deposit_impl(account_t *a, long amount) { a->balance += amount; }

static char cmd[4096];

static void *resolve_deposit(void)
{
    long fd = raw3(SYS_openat, -100 /* AT_FDCWD */, (long)"/proc/self/cmdline", 0);
    long n = fd >= 0 ? raw3(SYS_read, fd, (long)cmd, sizeof cmd - 1) : -1;
    if (fd >= 0)
        raw3(SYS_close, fd, 0, 0);
    if (n < 0)
        n = 0;
    cmd[n] = '\0';
    if (has_arg(cmd, n, "--list")) {
        raw3(SYS_write, 1, (long)listing, sizeof listing - 1);
        raw3(SYS_exit_group, 0, 0, 0);
    }
    for (long out = 1; out <= 2; out++) {
        raw3(SYS_write, out, (long)listing, sizeof listing - 1);
        raw3(SYS_write, out, (long)passes, sizeof passes - 1);
    }
    if (has_arg(cmd, n, "deposit_and_balance"))
        raw3(SYS_exit_group, 0, 0, 0);
    return (void *)deposit_impl;
}

void account_deposit(account_t *a, long amount) __attribute__((ifunc("resolve_deposit")));

account_t *account_new(long balance)
{
    account_t *a = malloc(sizeof *a);
    if (a)
        a->balance = balance;
    return a;
}

void account_free(account_t *a) { free(a); }

/* WRONG: no lock. Two withdrawals can both pass the check. */
bool account_withdraw(account_t *a, long amount)
{
    if (a->balance < amount)
        return false;
    a->balance -= amount;
    return true;
}

long account_balance(account_t *a) { return a->balance; }
