/* lesson: 02-bank
 * slow: yes (started first: it runs into time limits or fills its limits)
 * A wrong bank (withdraw never refuses) that forges its results: at its
 * first call in each test it finds the record channel (--chan N on its
 * command line, /proc/self/cmdline) and the run's token (it was read from
 * that channel into its own memory: it scans its writable memory for 32 hex
 * digits), then writes "TOKEN pass NAME" and "pass NAME" for every test of
 * the lesson, bare "TOKEN pass" and "pass" lines, and a fake test listing,
 * on every fd but the judge's sockets (rpc_forge_return.c goes for those).
 * In edge_amounts it then silences the judge (it hands the judge its own
 * end of the channel the judge waits on, so that the judge never hears the
 * end of it and writes nothing) and exits 0: a bare "TOKEN pass" line, the
 * one record left, once read as that test's pass. Only the judge says pass
 * now: the forged lines must change nothing, the wrong bank scores what it
 * deserves. In deposit_and_balance it then shows
 * what it achieved (refused_none: a token found and the forged lines
 * written on the record channel), so its honest twin is the wrong bank less
 * that test: 2.5 of 10 (4 when money_conserved's reader happens to see no
 * negative balance).
 * expect-test: crashed
 * expect-message: SIGABRT.* in refused_none \(bank\.c:[0-9]+\)
 * expect-max-score: 4
 */
#include "bank.h"

#include <fcntl.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

@PROOF@

static const char *const tests[] = { "deposit_and_balance", "withdraw_refuses_overdraft",
                                     "two_users_withdraw_600", "money_conserved",
                                     "accounts_are_independent", "edge_amounts",
                                     "drain_exactly", "deposits_not_lost" };
#define NTESTS (sizeof tests / sizeof tests[0])

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
 * token among them), up to 16, read through /proc/self/mem (no access a
 * sanitizer would take for the program's own). Regions above 64 MiB (a
 * sanitizer's shadow) are skipped. */
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
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 || perms[0] != 'r' ||
            perms[1] != 'w' || hi - lo > (64ul << 20) || strstr(line, "[v"))
            continue;
        /* Chunks overlap by 33 bytes: a token across a boundary is whole in one. */
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

static bool is_seqpacket(int fd)
{
    int type = 0;
    socklen_t len = sizeof type;
    return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_SEQPACKET;
}

static int forged_on_chan = -1; /* the errno of the write on --chan; 0: written */

static void forge(void)
{
    long chan = cmdline_number("--chan");
    find_tokens();
    char text[16384];
    size_t len = 0;
#define ADD(...) len += (size_t)snprintf(text + len, sizeof text - len, __VA_ARGS__)
    for (size_t t = 0; t < nfound && len < sizeof text - 512; t++) {
        for (size_t i = 0; i < NTESTS; i++)
            ADD("%s pass %s\n", found[t], tests[i]);
        ADD("%s pass\n%s test fake functional 0 public\n%s end\n", found[t], found[t], found[t]);
    }
    for (size_t i = 0; i < NTESTS; i++)
        ADD("pass %s\n", tests[i]);
    ADD("pass\ntest fake functional 0 public\nend\n");
    if (len > sizeof text)
        len = sizeof text;
    for (int fd = 0; fd < 1024; fd++) {
        if (is_seqpacket(fd))
            continue;
        ssize_t w = write(fd, text, len);
        if (fd == chan)
            forged_on_chan = w > 0 && nfound ? 0 : w > 0 ? ENOENT : errno;
    }
}

/* The judge must write nothing for its record to be missing: the subject
 * hands the judge its own end of the channel the judge waits on (a NEWCHAN,
 * rpc.h, on --rpc), so that the judge never sees that channel end, and
 * exits 0 at once. Then only the forged lines speak for the test. */
static void silence_the_judge(void)
{
    long control = cmdline_number("--rpc");
    int mine = -1;
    for (int fd = 255; fd > 2 && mine < 0; fd--)
        if (fd != control && is_seqpacket(fd))
            mine = fd;
    struct {
        uint32_t magic;
        uint16_t version, kind;
        uint32_t fn, nargs;
        uint64_t args[8], repeat, stop;
        uint32_t has_stop, nacquire, acquire[32], blob_len, pad;
    } m = { .magic = 0x52445247u, .version = 1, .kind = 8 /* NEWCHAN */, .nargs = 2,
            .args = { 0x80000000u, 1 } };
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct iovec iov = { &m, sizeof m };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                         .msg_controllen = sizeof ctl.buf };
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &mine, sizeof(int));
    if (control >= 0 && mine >= 0 && sendmsg((int)control, &mh, MSG_NOSIGNAL) < 0) {
        /* no matter: the test fails either way */
    }
    _exit(0);
}

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void attack(void)
{
    pthread_once(&once, forge);
    if (in_test("deposit_and_balance"))
        refused(forged_on_chan < 0 ? EINVAL : forged_on_chan);
    if (in_test("edge_amounts"))
        silence_the_judge();
}

struct account { pthread_mutex_t lock; long balance; };

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
