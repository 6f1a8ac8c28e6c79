/* test_remote.c - carries lesson 17's API from the tests to your pipe.c.
 *
 * The tests run in a process of their own (the judge); your code runs in
 * another (the subject). Each API function below, on the tests' side, sends
 * the call to your process, where the matching do_ function makes it, and
 * brings back what it returned (and errno, for chan_recv: chan_send's
 * answer is its return value alone), and the bytes chan_recv wrote (in
 * pieces: a message may be far larger than one trip). Big messages are made
 * in your process from a seed (test_support.h's pattern); the tests check
 * every byte that comes back themselves. You never need to read or change
 * this file.
 */
#include "remote.h"
#include "pipe.h"
#include "test_support.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { F_PAIR, F_SEND, F_RECV, F_CLOSE, F_FETCH, F_IO_FAULTS, F_IO_STATS, F_SQUEEZED };
REMOTE_NAMES("chan_pair", "chan_send", "chan_recv", "chan_close",
             "the test reading back what chan_recv wrote", "the test's pipe faults switch",
             "the test's look at your descriptors", "chan_pair (with few descriptors left)");

/* Bytes that travel in one trip (below the protocol's 64 KB). */
#define CHUNK 60000u
/* How F_SEND gets its message. */
enum { FROM_TEST, FROM_PATTERN };

#ifdef REMOTE_JUDGE
#include <stdio.h>

int chan_pair(chan_t **a, chan_t **b)
{
    uint64_t ends[2] = { 0, 0 };
    size_t len = 0;
    int rc = (int)(int64_t)remote_call_bytes(F_PAIR, 0, NULL, NULL, 0, ends, sizeof ends, &len);
    *a = REMOTE_AS_PTR(ends[0]);
    *b = REMOTE_AS_PTR(ends[1]);
    return rc;
}

/* What chan_send returned (0 or an errno value): nothing else comes back. */
static int sent(call_result r, size_t len)
{
    if (r.spare != 0)
        ck_abort_msg("your process had no memory for the test's message of %zu "
                     "bytes", len);
    return (int)r.ret;
}

int chan_send(chan_t *c, const void *msg, size_t len)
{
    call_result r = { 0, 0, 0 };
    size_t got = 0;
    if (len > CHUNK)
        ck_abort_msg("the test sends at most %u bytes itself", CHUNK);
    remote_call_bytes(F_SEND, 4, (uint64_t[]){ REMOTE_PTR_ARG(c), len, FROM_TEST, 0 }, msg, len,
                      &r, sizeof r, &got);
    return sent(r, len);
}

int send_pattern(chan_t *c, size_t len, uint64_t seed)
{
    return send_cut(c, len, seed, 0);
}

int send_cut(chan_t *c, size_t len, uint64_t seed, size_t budget)
{
    call_result r = { 0, 0, 0 };
    size_t got = 0;
    uint64_t args[5] = { REMOTE_PTR_ARG(c), len, FROM_PATTERN, budget, seed };
    remote_call_bytes(F_SEND, 5, args, NULL, 0, &r, sizeof r, &got);
    return sent(r, len);
}

ssize_t chan_recv(chan_t *c, void *buf, size_t cap)
{
    static _Thread_local unsigned char trip[sizeof(call_result) + CHUNK];
    size_t len = 0;
    remote_call_bytes(F_RECV, 2, (uint64_t[]){ REMOTE_PTR_ARG(c), cap }, NULL, 0, trip,
                      sizeof trip, &len);
    /* What came is the subject's word: every length is checked before use. */
    if (len < sizeof(call_result))
        ck_abort_msg("chan_recv's answer did not come back whole");
    call_result r;
    memcpy(&r, trip, sizeof r);
    if (r.ret > 0 && (uint64_t)r.ret <= cap) {
        size_t first = len - sizeof r;
        if (first > (size_t)r.ret)
            first = (size_t)r.ret;
        memcpy(buf, trip + sizeof r, first);
        for (size_t off = first; off < (size_t)r.ret;) {
            size_t k = 0;
            remote_call_bytes(F_FETCH, 1, (uint64_t[]){ off }, NULL, 0, (unsigned char *)buf + off,
                              (size_t)r.ret - off < CHUNK ? (size_t)r.ret - off : CHUNK, &k);
            if (k == 0)
                ck_abort_msg("the bytes chan_recv wrote did not come back");
            off += k;
        }
    }
    errno = r.err;
    return (ssize_t)r.ret;
}

void chan_close(chan_t *c) { REMOTE_CALL(F_CLOSE, REMOTE_PTR_ARG(c)); }

void io_faults(bool on) { REMOTE_CALL(F_IO_FAULTS, harness_seed(), on); }

io_stats io_look(void)
{
    io_stats st = { 0, 0, 0, 0 };
    size_t len = 0;
    remote_call_bytes(F_IO_STATS, 0, NULL, NULL, 0, &st, sizeof st, &len);
    return st;
}

squeezed pair_squeezed(int free_fds)
{
    squeezed s = { SQUEEZE_NOT_TRIED, 0, 0 };
    size_t len = 0;
    remote_call_bytes(F_SQUEEZED, 1, (uint64_t[]){ (uint64_t)free_fds }, NULL, 0, &s, sizeof s,
                      &len);
    return s;
}
#endif

#ifdef REMOTE_SUBJECT
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

/* spare: 1 when this stub, not your code, failed (out of memory). */
static void put_result(remote_args *a, int64_t ret, int err, int spare)
{
    call_result r = { ret, err, spare };
    if (a->out_cap >= sizeof r) {
        memcpy(a->out, &r, sizeof r);
        a->out_len = sizeof r;
    }
}

static uint64_t do_pair(remote_args *a)
{
    chan_t *x = NULL, *y = NULL;
    int rc = chan_pair(&x, &y);
    uint64_t ends[2] = { REMOTE_PTR_ARG(x), REMOTE_PTR_ARG(y) };
    if (a->out_cap >= sizeof ends) {
        memcpy(a->out, ends, sizeof ends);
        a->out_len = sizeof ends;
    }
    return (uint64_t)(int64_t)rc;
}

/* arg: end, len, FROM_TEST (the bytes came) or FROM_PATTERN, budget (0: no
 * cut), seed. */
static uint64_t do_send(remote_args *a)
{
    chan_t *c = REMOTE_AS_PTR(a->arg[0]);
    size_t len = (size_t)a->arg[1];
    static const unsigned char nothing[1];
    const void *msg = a->in_len ? (const void *)a->in : nothing;
    unsigned char *made = NULL;
    if (a->arg[2] == FROM_PATTERN && a->nargs >= 5) {
        made = malloc(len ? len : 1);
        if (!made) {
            put_result(a, -2, ENOMEM, 1);
            return 0;
        }
        for (size_t i = 0; i < len; i++)
            made[i] = pattern_byte(a->arg[4], i);
        msg = made;
    }
    if (a->arg[3])
        remote_io_cut_writes(a->arg[3], EIO);
    int rc = chan_send(c, msg, len); /* 0 or an errno value: errno is not part of it */
    remote_io_cut_writes(0, 0);
    free(made);
    put_result(a, rc, 0, 0);
    return 0;
}

/* What chan_recv wrote, kept on this thread until the test has read it back. */
static _Thread_local unsigned char *kept;
static _Thread_local size_t kept_len;

static uint64_t do_recv(remote_args *a)
{
    size_t cap = (size_t)a->arg[1];
    free(kept);
    kept_len = 0;
    kept = malloc(cap ? cap : 1);
    if (!kept) {
        put_result(a, -2, ENOMEM, 1);
        return 0;
    }
    errno = 0;
    ssize_t got = chan_recv(REMOTE_AS_PTR(a->arg[0]), kept, cap);
    int err = errno;
    put_result(a, got, err, 0);
    if (got > 0 && (size_t)got <= cap) {
        kept_len = (size_t)got;
        size_t first = a->out_cap - a->out_len < kept_len ? a->out_cap - a->out_len : kept_len;
        memcpy(a->out + a->out_len, kept, first);
        a->out_len += first;
    }
    return 0;
}

static uint64_t do_fetch(remote_args *a)
{
    size_t off = (size_t)a->arg[0];
    if (off < kept_len) {
        size_t k = kept_len - off < a->out_cap ? kept_len - off : a->out_cap;
        memcpy(a->out, kept + off, k);
        a->out_len = k;
    }
    return 0;
}

static uint64_t do_close(remote_args *a)
{
    chan_close(REMOTE_AS_PTR(a->arg[0]));
    return 0;
}

static uint64_t do_io_faults(remote_args *a)
{
    remote_io_faults_kinds(a->arg[0], a->arg[1] ? REMOTE_IO_PIPES | REMOTE_IO_SOCKETS : 0);
    return 0;
}

static uint64_t do_io_stats(remote_args *a)
{
    remote_io_stats st = remote_io_read_stats();
    io_stats out = { st.open_fds, st.sigpipe_writes, st.short_transfers, st.eintrs };
    if (a->out_cap >= sizeof out) {
        memcpy(a->out, &out, sizeof out);
        a->out_len = sizeof out;
    }
    return 0;
}

/* chan_pair while every descriptor number but arg[0] is taken (by copies
 * of one of this stub's own, not the student's), then those are freed. */
static uint64_t do_squeezed(remote_args *a)
{
    enum { MOST = 1024 };
    squeezed s = { SQUEEZE_NOT_TRIED, 0, 0 };
    struct rlimit rl;
    int p[2], filler[MOST], n = 0;
    size_t left = (size_t)a->arg[0];
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur <= MOST && pipe(p) == 0) {
        int fd;
        while (n < MOST && (fd = fcntl(p[0], F_DUPFD_CLOEXEC, 0)) >= 0)
            filler[n++] = fd;
        for (size_t i = 0; i < left && n > 0; i++)
            close(filler[--n]);
        chan_t *x = NULL, *y = NULL;
        s.rc = chan_pair(&x, &y);
        s.a = REMOTE_PTR_ARG(x);
        s.b = REMOTE_PTR_ARG(y);
        while (n > 0)
            close(filler[--n]);
        close(p[0]);
        close(p[1]);
    }
    if (a->out_cap >= sizeof s) {
        memcpy(a->out, &s, sizeof s);
        a->out_len = sizeof s;
    }
    return 0;
}

REMOTE_FUNCTIONS(do_pair, do_send, do_recv, do_close, do_fetch, do_io_faults, do_io_stats,
                 do_squeezed);
/* No function may leave a thread running, detached, or a mutex held. */
REMOTE_LEAVES();
#endif
