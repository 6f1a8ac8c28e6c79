/* lesson: 02-bank
 * A wrong bank (withdraw never refuses) that talks to the judge itself, on
 * the sockets it shares with it (--rpc N on its command line, and the
 * SOCK_SEQPACKET channel the current call came on), with messages built
 * after grader/harness/rpc.h (magic 0x52445247, version 1). Each test gets
 * one attack, at its first call:
 *   - withdraw_refuses_overdraft: a valid-looking RETURN claiming the
 *     right answer (a refusal) ahead of the real one, at every overdraft;
 *   - two_users_withdraw_600: malformed messages: short, huge, wrong magic,
 *     wrong version, a kind out of range, counts out of range;
 *   - money_conserved: CALLBACKs with ids the judge never gave out;
 *   - deposits_not_lost: RETURNs to its batch of deposits whose runs do not
 *     add up, or claim more calls than were asked for;
 *   - accounts_are_independent: a flood of NEWCHANs, each with an fd, and
 *     HELLO, SPAWN, READY, FINISH the wrong way; then it plays fair: the
 *     judge must still judge it (this wrong bank passes that test);
 *   - edge_amounts: NEWCHANs carrying its own end of its call channel (so
 *     the judge never sees that channel end), a bare "pass" line on the
 *     record channel, then _exit(0);
 *   - drain_exactly: every message above at once, on every SOCK_SEQPACKET fd;
 *   - deposit_and_balance: a valid-looking RETURN with a made-up account
 *     for account_new, then the proof that it was sent (refused_none: the
 *     send succeeded) by an abort; the judge's next call then finds the
 *     subject gone.
 * The judge must neither crash into a pass nor wait past the test's limit:
 * nothing scores that the wrong bank does not (honest twin: the wrong bank
 * less deposit_and_balance, 2.5 of 10, or 4), and the flooded test still
 * passes.
 * expect-test: crashed
 * expect-message: SIGABRT.* in refused_none \(bank\.c:[0-9]+\)
 * expect-max-score: 4
 * expect-min-score: 1
 */
#include "bank.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

@PROOF@

/* grader/harness/rpc.h, as the wire sees it. */
enum { HELLO = 1, SPAWN, READY, CALL, RETURN, CALLBACK, CB_RETURN, NEWCHAN, FINISH, KIND_MAX };
enum { F_NEW, F_FREE, F_WITHDRAW, F_DEPOSIT, F_BALANCE }; /* exercises/02-bank/test_remote.c */
typedef struct msg {
    uint32_t magic;
    uint16_t version;
    uint16_t kind;
    uint32_t fn;
    uint32_t nargs;
    uint64_t args[8];
    uint64_t repeat;
    uint64_t stop;
    uint32_t has_stop;
    uint32_t nacquire;
    uint32_t acquire[32];
    uint32_t blob_len;
    uint32_t pad;
    unsigned char blob[64u << 10];
} msg;
#define HEADER_LEN offsetof(msg, blob)

static __thread msg out; /* one per thread: the attacks may run side by side */

static void init(uint16_t kind)
{
    memset(&out, 0, HEADER_LEN);
    out.magic = 0x52445247u;
    out.version = 1;
    out.kind = kind;
}

/* Sends `len` bytes of `out` on fd, with pass_fd (-1: none). The errno, or 0. */
static int send_raw(int fd, size_t len, int pass_fd)
{
    struct iovec iov = { &out, len };
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (pass_fd >= 0) {
        memset(&ctl, 0, sizeof ctl);
        mh.msg_control = ctl.buf;
        mh.msg_controllen = sizeof ctl.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
    }
    return sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)len ? 0 : errno;
}

static int send_msg(int fd) { return send_raw(fd, HEADER_LEN + out.blob_len, -1); }

/* The command line, its arguments NUL-separated. */
static char cmd[4096];
static size_t ncmd;

static long arg_after(const char *flag)
{
    for (size_t i = 0; i < ncmd; i += strlen(cmd + i) + 1)
        if (strcmp(cmd + i, flag) == 0 && i + strlen(flag) + 1 < ncmd)
            return strtol(cmd + i + strlen(flag) + 1, NULL, 10);
    return -1;
}

static bool in(const char *test)
{
    for (size_t i = 0; i < ncmd; i += strlen(cmd + i) + 1)
        if (strcmp(cmd + i, test) == 0)
            return true;
    return false;
}

static int control = -1;

static void read_cmdline(void)
{
    FILE *f = fopen("/proc/self/cmdline", "r");
    ncmd = f ? fread(cmd, 1, sizeof cmd - 1, f) : 0;
    if (f)
        fclose(f);
    control = (int)arg_after("--rpc");
}

static bool is_seqpacket(int fd)
{
    int type = 0;
    socklen_t len = sizeof type;
    return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_SEQPACKET;
}

/* A channel of the judge's threads: the highest SEQPACKET fd but the
 * control channel, that of the newest one; in a single-threaded test the
 * only one, the channel of the call being made. */
static int my_channel(void)
{
    for (int fd = 255; fd > 2; fd--)
        if (fd != control && is_seqpacket(fd))
            return fd;
    return -1;
}

static void forged_return(int fd, uint32_t fn, uint64_t value)
{
    init(RETURN);
    out.fn = fn;
    out.nargs = 2;
    out.args[0] = value;
    out.args[1] = 1;
    send_msg(fd);
}

static void malformed(int fd)
{
    init(RETURN);
    out.fn = F_WITHDRAW;
    out.nargs = 2;
    send_raw(fd, 10, -1); /* short */
    out.blob_len = 100000; /* more than the blob holds */
    send_raw(fd, sizeof out, -1); /* huge */
    out.blob_len = 0;
    out.magic = 0xdeadbeef;
    send_msg(fd);
    init(RETURN);
    out.version = 2;
    send_msg(fd);
    init(KIND_MAX + 7);
    send_msg(fd);
    init(RETURN);
    out.nargs = 1000;
    send_msg(fd);
    init(RETURN);
    out.nacquire = 999;
    send_msg(fd);
    init(RETURN);
    out.blob_len = 16; /* says 16 bytes follow; none do */
    send_raw(fd, HEADER_LEN, -1);
}

static void bogus_callbacks(int fd)
{
    uint32_t ids[] = { 7, 255, 256, 4096, 0x7fffffff, 0xffffffff };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        init(CALLBACK);
        out.fn = ids[i];
        out.nargs = 8;
        send_msg(fd);
    }
}

static void bad_runs(int fd)
{
    struct { uint64_t value, count; } runs[2] = { { 0, 1000000 }, { 0, 5 } };
    init(RETURN);
    out.fn = F_DEPOSIT;
    out.nargs = 2;
    out.args[1] = 3; /* runs add up to 1000005 */
    memcpy(out.blob, runs, sizeof runs);
    out.blob_len = sizeof runs;
    send_msg(fd);
    init(RETURN);
    out.fn = F_DEPOSIT;
    out.nargs = 2;
    out.args[1] = ~0ull; /* more calls than asked for */
    runs[0].count = ~0ull;
    memcpy(out.blob, runs, sizeof runs[0]);
    out.blob_len = sizeof runs[0];
    send_msg(fd);
    init(RETURN);
    out.fn = F_DEPOSIT;
    out.nargs = 2;
    out.blob_len = 17; /* not a whole number of runs */
    send_msg(fd);
}

static void flood(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0)
        return;
    for (int i = 0; i < 3000; i++) {
        init(NEWCHAN);
        out.nargs = 2;
        out.args[0] = 0x80000000u + (uint32_t)i;
        out.args[1] = 1;
        if (send_raw(control, HEADER_LEN, sv[1]) == EAGAIN)
            usleep(200); /* the judge reads them as fast as it can */
    }
    uint16_t wrong_way[] = { HELLO, SPAWN, READY, FINISH, CB_RETURN, CALL };
    for (size_t i = 0; i < sizeof wrong_way / sizeof wrong_way[0]; i++) {
        init(wrong_way[i]);
        out.nargs = 2;
        send_raw(control, HEADER_LEN, wrong_way[i] == SPAWN ? sv[1] : -1);
    }
    /* sv[0] stays open: the judge's threads on the flood's channels wait. */
}

static void hang_the_judge(int fd)
{
    init(NEWCHAN);
    out.nargs = 2;
    out.args[0] = 0x80000000u;
    out.args[1] = 1;
    send_raw(control, HEADER_LEN, fd); /* our end of the call's channel */
    long chan = arg_after("--chan");
    if (chan >= 0 && write((int)chan, "pass\n", 5) < 0) {
        /* no matter: the attack is the judge's channel */
    }
    _exit(0);
}

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void first_call(void)
{
    read_cmdline();
    int fd = my_channel();
    if (control < 0 || fd < 0)
        refused(ENOENT);
    if (in("two_users_withdraw_600"))
        malformed(fd);
    else if (in("money_conserved"))
        bogus_callbacks(fd);
    else if (in("accounts_are_independent"))
        flood();
    else if (in("edge_amounts"))
        hang_the_judge(fd);
    else if (in("drain_exactly")) {
        for (int f = 3; f < 256; f++)
            if (is_seqpacket(f)) {
                forged_return(f, F_WITHDRAW, 0);
                malformed(f);
                bogus_callbacks(f);
                bad_runs(f);
            }
        flood();
        hang_the_judge(fd);
    } else if (in("deposit_and_balance")) {
        init(RETURN);
        out.fn = F_NEW;
        out.nargs = 2;
        out.args[0] = 0x1000; /* an account that is not one */
        out.args[1] = 1;
        refused(send_msg(fd));
    }
}

struct account { pthread_mutex_t lock; long balance; };

account_t *account_new(long balance)
{
    pthread_once(&once, first_call);
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

/* WRONG: never refuses; but at an overdraft it first tells the judge, on
 * the call's channel, the answer a right bank gives. */
bool account_withdraw(account_t *a, long amount)
{
    pthread_mutex_lock(&a->lock);
    bool overdraft = a->balance < amount;
    a->balance -= amount;
    pthread_mutex_unlock(&a->lock);
    if (overdraft && in("withdraw_refuses_overdraft"))
        forged_return(my_channel(), F_WITHDRAW, 0);
    return true;
}

static pthread_once_t runs_once = PTHREAD_ONCE_INIT;
static void forge_runs(void) { bad_runs(my_channel()); }

void account_deposit(account_t *a, long amount)
{
    pthread_mutex_lock(&a->lock);
    a->balance += amount;
    pthread_mutex_unlock(&a->lock);
    if (in("deposits_not_lost"))
        pthread_once(&runs_once, forge_runs);
}

long account_balance(account_t *a)
{
    pthread_mutex_lock(&a->lock);
    long b = a->balance;
    pthread_mutex_unlock(&a->lock);
    return b;
}
