/* intercept_io.c - the student's socket and pipe calls: seeded short
 * transfers, EINTR and EAGAIN, which POSIX allows and loopback almost never
 * shows; and the book of the descriptors the student's code opened.
 *
 * intercept.syms renames the student's read, write, recv, send, recvfrom,
 * sendto, readv, writev, recvmsg, sendmsg, accept, accept4 and close (and
 * the calls that open descriptors: socket, socketpair, pipe, pipe2, dup,
 * dup2, dup3, fcntl's F_DUPFD and F_DUPFD_CLOEXEC, eventfd, epoll_create1)
 * to the grader_* functions here. Always: each descriptor the student's
 * code opens is remembered (with its inode, so a number reused by someone
 * else is not taken for it) until its close, and a descriptor from accept
 * is "served" from the first read of it until a read of it says the peer
 * is gone (end of file, an error) or its close. While a test has turned
 * faults on (remote_io_faults_kinds: seeded by the run's seed), on the
 * descriptors of the kinds it asked for (sockets, pipes):
 *   - a read or write moves only a prefix (at least 1 byte) of what was
 *     asked: the first of each kind on each descriptor always, later ones
 *     one time in two (never a write of at most PIPE_BUF bytes to a pipe:
 *     POSIX makes it all or nothing);
 *   - a blocking call fails with EINTR before moving anything: the second
 *     read and write on each descriptor always, the first accept on each
 *     listening socket, later calls one time in eight; with
 *     REMOTE_IO_EAGAIN, a call that does not block fails with EAGAIN there;
 *   - a write that could raise SIGPIPE (write or send without MSG_NOSIGNAL
 *     while SIGPIPE has its default action and is not blocked) is counted.
 * Apart from those, remote_io_cut_writes(budget, err) lets the calling
 * thread's writes on pipes and sockets move `budget` more bytes, then fail
 * with err, as when the writer's process dies mid-message: the peer then
 * sees a stream that ends inside a message, which threads alone never make.
 * remote_io_loop_thread(true) marks the calling thread as an event loop's:
 * each blocking read, write, recv, send (and the other transfers) or
 * accept it makes on a descriptor that is not ready (poll with timeout 0:
 * nothing to read, no room to write, no connection waiting) is counted,
 * the first with its name and its caller's return address, before the
 * call goes ahead: a test can say "the loop's thread blocked in recv" even
 * before a client notices, whatever the timing.
 * Code that loops until everything moved and retries EINTR (and goes back
 * to poll on EAGAIN) is unaffected; code that assumes one call moves
 * everything fails in every run. Nothing here uses the concurrency engine:
 * it is built and tested on its own (tests/engine/io/).
 */
#include "tsan_hide.h"
#include "remote.h"
#include "splitmix64.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

ssize_t grader_read(int fd, void *buf, size_t n);
ssize_t grader_write(int fd, const void *buf, size_t n);
ssize_t grader_recv(int fd, void *buf, size_t n, int flags);
ssize_t grader_send(int fd, const void *buf, size_t n, int flags);
ssize_t grader_recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *a,
                        socklen_t *alen);
ssize_t grader_sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *a,
                      socklen_t alen);
ssize_t grader_readv(int fd, const struct iovec *iov, int cnt);
ssize_t grader_writev(int fd, const struct iovec *iov, int cnt);
ssize_t grader_recvmsg(int fd, struct msghdr *m, int flags);
ssize_t grader_sendmsg(int fd, const struct msghdr *m, int flags);
int grader_accept(int fd, struct sockaddr *a, socklen_t *alen);
int grader_accept4(int fd, struct sockaddr *a, socklen_t *alen, int flags);
int grader_close(int fd);
int grader_socket(int domain, int type, int proto);
int grader_socketpair(int domain, int type, int proto, int sv[2]);
int grader_pipe(int p[2]);
int grader_pipe2(int p[2], int flags);
int grader_dup(int fd);
int grader_dup2(int fd, int to);
int grader_dup3(int fd, int to, int flags);
int grader_fcntl(int fd, int cmd, ...);
int grader_eventfd(unsigned init, int flags);
int grader_epoll_create1(int flags);

#define IO_FDS 1024
#define IOV_MAX_COPY 64

enum { FD_NONE, FD_OPENED, FD_ACCEPTED };

/* What is known of one descriptor number the student's code opened. */
typedef struct io_fd {
    atomic_int kind;
    atomic_bool served;
    atomic_uint reads, writes, accepts;
    dev_t dev;
    ino_t ino;
    const char *_Atomic call;  /* the call that opened it ("pipe"...), */
    atomic_uintptr_t site;     /* its caller's address, */
    atomic_uint_fast64_t seq;  /* and its number among the opens (remote_io_mark) */
} io_fd;

static io_fd fds[IO_FDS];
static void loop_block_done(void);
static atomic_uint_fast64_t opens; /* descriptors opened so far */
static atomic_uint faults_kinds; /* REMOTE_IO_SOCKETS | REMOTE_IO_PIPES | REMOTE_IO_EAGAIN, or 0 */
static uint64_t faults_seed;
static atomic_uint_fast64_t draws;
static atomic_uint_fast64_t served_now, served_max, sigpipe_writes, shorts, eintrs, eagains;
/* remote_io_cut_writes: the calling thread's bytes left to write, and the
 * errno its writes fail with after them (0: no cut). */
static _Thread_local uint64_t cut_left;
static _Thread_local int cut_errno;
/* remote_io_loop_thread: the loop's thread (its kernel id, 0: none) and
 * its blocking calls on descriptors that were not ready. */
static atomic_int loop_tid;
static atomic_uint_fast64_t loop_blocks;
static const char *_Atomic loop_block_call;
static atomic_uintptr_t loop_block_caller;
/* When the loop thread's blocking call now in progress began (0: none),
 * and the longest such call so far, in ns of CLOCK_MONOTONIC. */
static atomic_uint_fast64_t loop_block_since, loop_block_longest;

/* ---- the descriptors' book ------------------------------------------------- */

static io_fd *slot(int fd) { return fd >= 0 && fd < IO_FDS ? &fds[fd] : NULL; }

static void unserve(io_fd *f)
{
    if (atomic_exchange(&f->served, false))
        atomic_fetch_sub(&served_now, 1);
}

/* In a wrapper: fd was opened by `call`, called from the student's code. */
#define NOTE_OPEN(fd, kind, call) \
    note_open(fd, kind, call, (uintptr_t)__builtin_return_address(0))

static void note_open(int fd, int kind, const char *call, uintptr_t site)
{
    io_fd *f = slot(fd);
    struct stat st;
    if (!f || fstat(fd, &st) != 0)
        return;
    unserve(f); /* a number reused after a close we did not see */
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    atomic_store(&f->reads, 0);
    atomic_store(&f->writes, 0);
    atomic_store(&f->accepts, 0);
    atomic_store(&f->call, call);
    atomic_store(&f->site, site);
    atomic_store(&f->seq, atomic_fetch_add(&opens, 1) + 1);
    atomic_store(&f->kind, kind);
}

static void note_close(int fd)
{
    io_fd *f = slot(fd);
    if (!f || atomic_load(&f->kind) == FD_NONE)
        return;
    unserve(f);
    atomic_store(&f->kind, FD_NONE);
}

/* The first read of an accepted descriptor: its client is served from now. */
static void note_read(int fd)
{
    io_fd *f = slot(fd);
    if (!f || atomic_load(&f->kind) != FD_ACCEPTED || atomic_load(&f->served))
        return;
    if (atomic_exchange(&f->served, true))
        return;
    uint_fast64_t now = atomic_fetch_add(&served_now, 1) + 1;
    uint_fast64_t max = atomic_load(&served_max);
    while (now > max && !atomic_compare_exchange_weak(&served_max, &max, now)) {
    }
}

/* After a read: end of file or an error (not EINTR or EAGAIN) ends the
 * client's service, whether or not the descriptor is closed. */
static ssize_t after_read(int fd, ssize_t got, size_t asked)
{
    loop_block_done();
    io_fd *f = slot(fd);
    if (f && (got < 0 ? errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK
                      : got == 0 && asked > 0)) {
        int e = errno;
        unserve(f);
        errno = e;
    }
    return got;
}

/* ---- the faults -------------------------------------------------------------- */

static uint64_t draw(void) { return splitmix64_at(faults_seed, atomic_fetch_add(&draws, 1)); }

/* The fault kind that covers fd (REMOTE_IO_SOCKETS or REMOTE_IO_PIPES), or 0. */
static unsigned fd_fault_kind(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return 0;
    return S_ISSOCK(st.st_mode) ? REMOTE_IO_SOCKETS : S_ISFIFO(st.st_mode) ? REMOTE_IO_PIPES : 0;
}

/* The fault kinds on for fd, or 0 (faults off, or not a socket or pipe
 * whose faults are on). */
static unsigned faults_for(int fd)
{
    unsigned kinds = atomic_load_explicit(&faults_kinds, memory_order_relaxed);
    unsigned kind = kinds ? fd_fault_kind(fd) : 0;
    return kind & kinds ? kinds : 0;
}

static bool blocking(int fd, int flags)
{
    int fl = fcntl(fd, F_GETFL);
    return fl != -1 && !(fl & O_NONBLOCK) && !(flags & MSG_DONTWAIT);
}

enum { XFER_READ, XFER_WRITE };
enum { PLAN_EINTR = -1, PLAN_EAGAIN = -2, PLAN_CUT = -3 };

/* What to do with one transfer of n bytes: PLAN_EINTR or PLAN_EAGAIN (fail
 * with that errno, nothing moved), else the number of bytes to ask for (n,
 * or a shorter prefix). */
static ssize_t plan(int fd, size_t n, int dir, int flags)
{
    unsigned on = n ? faults_for(fd) : 0;
    if (!on)
        return (ssize_t)n;
    io_fd *f = slot(fd);
    unsigned k = f ? atomic_fetch_add(dir == XFER_READ ? &f->reads : &f->writes, 1) + 1 : 3;
    uint64_t r = draw();
    bool block = blocking(fd, flags);
    bool second = k == 2 || (k > 2 && r % 8 == 0);
    if (block && second) {
        atomic_fetch_add(&eintrs, 1);
        return PLAN_EINTR;
    }
    if (!block && second && (on & REMOTE_IO_EAGAIN)) {
        atomic_fetch_add(&eagains, 1);
        return PLAN_EAGAIN;
    }
    /* POSIX: a write of at most PIPE_BUF bytes to a pipe moves all or nothing. */
    bool whole = dir == XFER_WRITE && n <= PIPE_BUF && fd_fault_kind(fd) == REMOTE_IO_PIPES;
    if (n > 1 && !whole && (k <= 2 || (r >> 8) % 2 == 0)) {
        atomic_fetch_add(&shorts, 1);
        return (ssize_t)(1 + (r >> 16) % (n - 1));
    }
    return (ssize_t)n;
}

/* A write of n bytes under remote_io_cut_writes: n, a prefix that fits the
 * calling thread's budget, or PLAN_CUT (nothing fits; a pipe write of at
 * most PIPE_BUF moves all or nothing). Else as plan(). */
static ssize_t plan_write(int fd, size_t n, int flags)
{
    if (cut_errno && n > 0 && fd_fault_kind(fd)) {
        bool whole = n <= PIPE_BUF && fd_fault_kind(fd) == REMOTE_IO_PIPES;
        if (cut_left == 0 || (whole && n > cut_left))
            return PLAN_CUT;
        if (n > cut_left)
            n = (size_t)cut_left;
    }
    return plan(fd, n, XFER_WRITE, flags);
}

/* What a write moved, taken from the calling thread's budget. */
static ssize_t after_write(ssize_t moved)
{
    loop_block_done();
    if (cut_errno && moved > 0)
        cut_left -= (uint64_t)moved < cut_left ? (uint64_t)moved : cut_left;
    return moved;
}

/* A write that SIGPIPE could end the process in (counted while faults are on). */
static void note_write(int fd, int flags)
{
    if ((flags & MSG_NOSIGNAL) || !faults_for(fd))
        return;
    struct sigaction sa;
    sigset_t mask;
    if (sigaction(SIGPIPE, NULL, &sa) != 0 || sa.sa_handler != SIG_DFL ||
        (sa.sa_flags & SA_SIGINFO))
        return;
    if (pthread_sigmask(SIG_BLOCK, NULL, &mask) == 0 && sigismember(&mask, SIGPIPE))
        return;
    atomic_fetch_add(&sigpipe_writes, 1);
}

/* A call that fails as plan() said, having moved nothing. */
static ssize_t refused(ssize_t planned)
{
    errno = planned == PLAN_EAGAIN ? EAGAIN : planned == PLAN_CUT ? cut_errno : EINTR;
    return -1;
}

/* The first `want` bytes of iov[0..cnt) into out[]; returns its count. */
static int iov_prefix(const struct iovec *iov, int cnt, size_t want, struct iovec *out)
{
    int k = 0;
    for (int i = 0; i < cnt && k < IOV_MAX_COPY && want > 0; i++) {
        out[k] = iov[i];
        if (out[k].iov_len > want)
            out[k].iov_len = want;
        want -= out[k].iov_len;
        k++;
    }
    return k;
}

static size_t iov_total(const struct iovec *iov, int cnt)
{
    size_t t = 0;
    for (int i = 0; i < cnt && iov; i++)
        t += iov[i].iov_len;
    return t;
}

/* ---- the loop's thread ------------------------------------------------------------ */

/* Real time (never the virtual clock: a blocked thread's time is real). */
static uint64_t mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* A call `name` about to be made on fd by the marked loop thread, which
 * waits for `events` and would block: counted when fd is not ready now. */
static void note_loop_block(int fd, int flags, short events, const char *name, void *caller)
{
    int tid = atomic_load_explicit(&loop_tid, memory_order_relaxed);
    if (tid == 0 || tid != (int)gettid() || !blocking(fd, flags))
        return;
    int e = errno;
    struct pollfd p = { fd, events, 0 };
    int ready = poll(&p, 1, 0);
    errno = e;
    if (ready != 0)
        return; /* ready, or not a descriptor (the call itself will say) */
    if (atomic_fetch_add(&loop_blocks, 1) == 0) {
        atomic_store(&loop_block_caller, (uintptr_t)caller);
        atomic_store(&loop_block_call, name);
    }
    atomic_store(&loop_block_since, mono_ns());
}

/* After a transfer or accept: a counted blocking call of the loop's thread
 * has returned; how long it held the thread. One load on other calls. */
static void loop_block_done(void)
{
    uint64_t since = atomic_load_explicit(&loop_block_since, memory_order_relaxed);
    if (since == 0 || atomic_load(&loop_tid) != (int)gettid())
        return;
    int e = errno;
    uint64_t took = mono_ns() - since;
    atomic_store(&loop_block_since, 0);
    if (took > atomic_load(&loop_block_longest))
        atomic_store(&loop_block_longest, took);
    errno = e;
}

#define LOOP_READ(fd, flags, name) \
    note_loop_block(fd, flags, POLLIN, name, __builtin_return_address(0))
#define LOOP_WRITE(fd, flags, name) \
    note_loop_block(fd, flags, POLLOUT, name, __builtin_return_address(0))

void remote_io_loop_thread(bool on)
{
    atomic_store(&loop_tid, on ? (int)gettid() : 0);
}

remote_io_loop_blocks remote_io_loop_blocked(void)
{
    uint64_t longest = atomic_load(&loop_block_longest);
    uint64_t since = atomic_load(&loop_block_since);
    uint64_t now = since ? mono_ns() - since : 0;
    return (remote_io_loop_blocks){ .count = atomic_load(&loop_blocks),
                                    .first_call = atomic_load(&loop_block_call),
                                    .first_caller = atomic_load(&loop_block_caller),
                                    .longest_ms = (now > longest ? now : longest) / 1000000u,
                                    .blocked_now = since != 0 };
}

/* ---- the wrapped calls -------------------------------------------------------- */

ssize_t grader_read(int fd, void *buf, size_t n)
{
    LOOP_READ(fd, 0, "read");
    note_read(fd);
    ssize_t m = plan(fd, n, XFER_READ, 0);
    return m < 0 ? refused(m) : after_read(fd, read(fd, buf, (size_t)m), n);
}

ssize_t grader_write(int fd, const void *buf, size_t n)
{
    LOOP_WRITE(fd, 0, "write");
    note_write(fd, 0);
    ssize_t m = plan_write(fd, n, 0);
    return m < 0 ? refused(m) : after_write(write(fd, buf, (size_t)m));
}

ssize_t grader_recv(int fd, void *buf, size_t n, int flags)
{
    LOOP_READ(fd, flags, "recv");
    note_read(fd);
    ssize_t m = plan(fd, n, XFER_READ, flags);
    return m < 0 ? refused(m) : after_read(fd, recv(fd, buf, (size_t)m, flags), n);
}

ssize_t grader_send(int fd, const void *buf, size_t n, int flags)
{
    LOOP_WRITE(fd, flags, "send");
    note_write(fd, flags);
    ssize_t m = plan_write(fd, n, flags);
    return m < 0 ? refused(m) : after_write(send(fd, buf, (size_t)m, flags));
}

ssize_t grader_recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *a,
                        socklen_t *alen)
{
    LOOP_READ(fd, flags, "recvfrom");
    note_read(fd);
    ssize_t m = plan(fd, n, XFER_READ, flags);
    return m < 0 ? refused(m)
                 : after_read(fd, recvfrom(fd, buf, (size_t)m, flags, a, alen), n);
}

ssize_t grader_sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *a,
                      socklen_t alen)
{
    LOOP_WRITE(fd, flags, "sendto");
    note_write(fd, flags);
    ssize_t m = plan_write(fd, n, flags);
    return m < 0 ? refused(m) : after_write(sendto(fd, buf, (size_t)m, flags, a, alen));
}

ssize_t grader_readv(int fd, const struct iovec *iov, int cnt)
{
    LOOP_READ(fd, 0, "readv");
    note_read(fd);
    size_t n = iov_total(iov, cnt);
    ssize_t m = plan(fd, n, XFER_READ, 0);
    if (m < 0)
        return refused(m);
    if ((size_t)m == n || cnt <= 0)
        return after_read(fd, readv(fd, iov, cnt), n);
    struct iovec part[IOV_MAX_COPY];
    return after_read(fd, readv(fd, part, iov_prefix(iov, cnt, (size_t)m, part)), n);
}

ssize_t grader_writev(int fd, const struct iovec *iov, int cnt)
{
    LOOP_WRITE(fd, 0, "writev");
    note_write(fd, 0);
    size_t n = iov_total(iov, cnt);
    ssize_t m = plan_write(fd, n, 0);
    if (m < 0)
        return refused(m);
    if ((size_t)m == n || cnt <= 0)
        return after_write(writev(fd, iov, cnt));
    struct iovec part[IOV_MAX_COPY];
    return after_write(writev(fd, part, iov_prefix(iov, cnt, (size_t)m, part)));
}

ssize_t grader_recvmsg(int fd, struct msghdr *msg, int flags)
{
    LOOP_READ(fd, flags, "recvmsg");
    note_read(fd);
    size_t n = msg ? iov_total(msg->msg_iov, (int)msg->msg_iovlen) : 0;
    ssize_t m = plan(fd, n, XFER_READ, flags);
    if (m < 0)
        return refused(m);
    if ((size_t)m == n)
        return after_read(fd, recvmsg(fd, msg, flags), n);
    struct iovec part[IOV_MAX_COPY];
    struct msghdr copy = *msg;
    copy.msg_iov = part;
    copy.msg_iovlen = (size_t)iov_prefix(msg->msg_iov, (int)msg->msg_iovlen, (size_t)m, part);
    ssize_t got = recvmsg(fd, &copy, flags);
    msg->msg_flags = copy.msg_flags;
    msg->msg_namelen = copy.msg_namelen;
    msg->msg_controllen = copy.msg_controllen;
    return after_read(fd, got, n);
}

ssize_t grader_sendmsg(int fd, const struct msghdr *msg, int flags)
{
    LOOP_WRITE(fd, flags, "sendmsg");
    note_write(fd, flags);
    size_t n = msg ? iov_total(msg->msg_iov, (int)msg->msg_iovlen) : 0;
    ssize_t m = plan_write(fd, n, flags);
    if (m < 0)
        return refused(m);
    if ((size_t)m == n)
        return after_write(sendmsg(fd, msg, flags));
    struct iovec part[IOV_MAX_COPY];
    struct msghdr copy = *msg;
    copy.msg_iov = part;
    copy.msg_iovlen = (size_t)iov_prefix(msg->msg_iov, (int)msg->msg_iovlen, (size_t)m, part);
    return after_write(sendmsg(fd, &copy, flags));
}

/* The first accept of each listening socket fails, then one in 8: with
 * EINTR when it blocks, with EAGAIN when it does not and those faults are
 * on (a client may be gone between poll and accept). 0: it goes ahead. */
static ssize_t accept_fault(int fd)
{
    unsigned on = faults_for(fd);
    bool block = blocking(fd, 0);
    if (!on || (!block && !(on & REMOTE_IO_EAGAIN)))
        return 0;
    io_fd *f = slot(fd);
    unsigned k = f ? atomic_fetch_add(&f->accepts, 1) + 1 : 2;
    if (k != 1 && draw() % 8 != 0)
        return 0;
    atomic_fetch_add(block ? &eintrs : &eagains, 1);
    return block ? PLAN_EINTR : PLAN_EAGAIN;
}

int grader_accept(int fd, struct sockaddr *a, socklen_t *alen)
{
    LOOP_READ(fd, 0, "accept");
    ssize_t fault = accept_fault(fd);
    if (fault)
        return (int)refused(fault);
    int c = accept(fd, a, alen);
    loop_block_done();
    if (c >= 0)
        NOTE_OPEN(c, FD_ACCEPTED, "accept");
    return c;
}

int grader_accept4(int fd, struct sockaddr *a, socklen_t *alen, int flags)
{
    LOOP_READ(fd, 0, "accept4");
    (void)flags; /* they are the new socket's */
    ssize_t fault = accept_fault(fd);
    if (fault)
        return (int)refused(fault);
    int c = accept4(fd, a, alen, flags);
    loop_block_done();
    if (c >= 0)
        NOTE_OPEN(c, FD_ACCEPTED, "accept4");
    return c;
}

int grader_close(int fd)
{
    note_close(fd);
    return close(fd);
}

int grader_socket(int domain, int type, int proto)
{
    int fd = socket(domain, type, proto);
    if (fd >= 0)
        NOTE_OPEN(fd, FD_OPENED, "socket");
    return fd;
}

int grader_socketpair(int domain, int type, int proto, int sv[2])
{
    int rc = socketpair(domain, type, proto, sv);
    if (rc == 0) {
        NOTE_OPEN(sv[0], FD_OPENED, "socketpair");
        NOTE_OPEN(sv[1], FD_OPENED, "socketpair");
    }
    return rc;
}

int grader_pipe(int p[2])
{
    int rc = pipe(p);
    if (rc == 0) {
        NOTE_OPEN(p[0], FD_OPENED, "pipe");
        NOTE_OPEN(p[1], FD_OPENED, "pipe");
    }
    return rc;
}

int grader_pipe2(int p[2], int flags)
{
    int rc = pipe2(p, flags);
    if (rc == 0) {
        NOTE_OPEN(p[0], FD_OPENED, "pipe2");
        NOTE_OPEN(p[1], FD_OPENED, "pipe2");
    }
    return rc;
}

int grader_dup(int fd)
{
    int d = dup(fd);
    if (d >= 0)
        NOTE_OPEN(d, FD_OPENED, "dup");
    return d;
}

int grader_dup2(int fd, int to)
{
    int d = dup2(fd, to);
    if (d >= 0 && d != fd)
        NOTE_OPEN(d, FD_OPENED, "dup2");
    return d;
}

int grader_dup3(int fd, int to, int flags)
{
    int d = dup3(fd, to, flags);
    if (d >= 0)
        NOTE_OPEN(d, FD_OPENED, "dup3");
    return d;
}

/* fcntl's third argument is an int, a long or a pointer, or none: each
 * travels in one register, so it is passed on as one word whatever it is
 * (what glibc's own fcntl does). A copy (F_DUPFD, F_DUPFD_CLOEXEC) is a
 * descriptor the student's code opened. */
int grader_fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    uintptr_t arg = va_arg(ap, uintptr_t);
    va_end(ap);
    int rc = fcntl(fd, cmd, arg);
    if (rc >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
        NOTE_OPEN(rc, FD_OPENED, "fcntl");
    return rc;
}

int grader_eventfd(unsigned init, int flags)
{
    int fd = eventfd(init, flags);
    if (fd >= 0)
        NOTE_OPEN(fd, FD_OPENED, "eventfd");
    return fd;
}

int grader_epoll_create1(int flags)
{
    int fd = epoll_create1(flags);
    if (fd >= 0)
        NOTE_OPEN(fd, FD_OPENED, "epoll_create1");
    return fd;
}

/* ---- what a test sees (remote.h) ----------------------------------------------- */

void remote_io_faults_kinds(uint64_t seed, unsigned kinds)
{
    faults_seed = seed ^ 0x10F0A17ull;
    atomic_store(&draws, 0);
    atomic_store(&faults_kinds, kinds);
}

void remote_io_cut_writes(uint64_t budget, int err)
{
    cut_left = budget;
    cut_errno = err;
}

void remote_io_faults(uint64_t seed, bool on)
{
    remote_io_faults_kinds(seed, on ? REMOTE_IO_SOCKETS : 0);
}

/* Open: still the same file (a close the book did not see, by fclose or a
 * dup2 over it, ends the entry). */
static uint64_t count_open(void)
{
    uint64_t n = 0;
    for (int fd = 0; fd < IO_FDS; fd++) {
        io_fd *f = &fds[fd];
        if (atomic_load(&f->kind) == FD_NONE)
            continue;
        struct stat st;
        if (fstat(fd, &st) == 0 && st.st_dev == f->dev && st.st_ino == f->ino)
            n++;
        else
            note_close(fd);
    }
    return n;
}

uint64_t remote_io_mark(void) { return atomic_load(&opens); }

size_t remote_io_open_where(uint64_t since, remote_fd_where *out, size_t max)
{
    count_open(); /* forgets the descriptors closed behind the book's back */
    size_t n = 0;
    for (int fd = 0; fd < IO_FDS; fd++) {
        io_fd *f = &fds[fd];
        if (atomic_load(&f->kind) == FD_NONE || atomic_load(&f->seq) <= since)
            continue;
        if (n < max)
            out[n] = (remote_fd_where){ fd, atomic_load(&f->call), atomic_load(&f->site) };
        n++;
    }
    return n;
}

remote_io_stats remote_io_read_stats(void)
{
    return (remote_io_stats){
        .served_now = atomic_load(&served_now),
        .served_max = atomic_load(&served_max),
        .open_fds = count_open(),
        .sigpipe_writes = atomic_load(&sigpipe_writes),
        .short_transfers = atomic_load(&shorts),
        .eintrs = atomic_load(&eintrs),
        .eagains = atomic_load(&eagains),
    };
}

/* One look at every other thread of the process: true when each sleeps in
 * the kernel (state S or D). */
static bool others_asleep_unhidden(pid_t self)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return false;
    bool asleep = true;
    struct dirent *e;
    while (asleep && (e = readdir(d)) != NULL) {
        int tid = atoi(e->d_name);
        if (tid <= 0 || tid == self)
            continue;
        char path[64], buf[512];
        snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
        FILE *f = fopen(path, "re");
        if (!f)
            continue; /* it has exited */
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = '\0';
        const char *close_paren = strrchr(buf, ')');
        char state = close_paren && close_paren[1] == ' ' ? close_paren[2] : '?';
        asleep = state == 'S' || state == 'D';
    }
    closedir(d);
    return asleep;
}

/* Hidden from ThreadSanitizer: what it opens and reads orders nothing of
 * the student's code (tsan_hide.h). */
static bool others_asleep(pid_t self)
{
    tsan_hide_begin();
    bool r = others_asleep_unhidden(self);
    tsan_hide_end();
    return r;
}

bool remote_io_wait_quiet(unsigned quiet_ms, unsigned max_ms)
{
    pid_t self = (pid_t)gettid();
    struct timespec nap = { 0, 1000000 }, t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    unsigned quiet = 0;
    uint64_t last = atomic_load(&served_now);
    for (;;) {
        uint64_t now = atomic_load(&served_now);
        quiet = others_asleep(self) && now == last ? quiet + 1 : 0;
        last = now;
        if (quiet >= quiet_ms)
            return true;
        clock_gettime(CLOCK_MONOTONIC, &t);
        if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 > (long)max_ms)
            return false;
        nanosleep(&nap, NULL);
    }
}
