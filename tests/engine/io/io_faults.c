/* io_faults.c - the unit test of grader/harness/intercept_io.c (the
 * student's socket calls: seeded short transfers and EINTR, the book of
 * descriptors and served clients). Built with that file alone and run by
 * tests/suites/45-engine.sh; exit status 0 when every check holds, else 1
 * with the failed check on stderr.
 *
 * Checks: with faults off every call moves everything; on, the first write
 * and read on a socket are short and the second ones fail with EINTR (a
 * one-call sender or reader fails every run, whatever the seed); a loop that
 * retries moves every byte in order; pipes are never touched; the first
 * accept fails with EINTR; an accepted socket is served from its first read
 * to its end of file (or close); open_fds counts what was opened and not closed;
 * remote_io_cut_writes lets the calling thread write its budget, then fails
 * its writes (a pipe write of at most PIPE_BUF whole or not at all), and
 * leaves other threads alone; remote_io_loop_thread counts the marked
 * thread's blocking calls on descriptors that are not ready (named, with
 * their caller), not a ready one, not a non-blocking one, not another
 * thread's, not once unmarked; a one-read reader of a 100-byte message is
 * caught under every seed, on a pipe and on a socket.
 */
#include "remote.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

ssize_t grader_read(int fd, void *buf, size_t n);
ssize_t grader_write(int fd, const void *buf, size_t n);
ssize_t grader_recv(int fd, void *buf, size_t n, int flags);
ssize_t grader_send(int fd, const void *buf, size_t n, int flags);
int grader_accept(int fd, struct sockaddr *a, socklen_t *alen);
int grader_close(int fd);
int grader_socket(int domain, int type, int proto);
int grader_socketpair(int domain, int type, int proto, int sv[2]);
int grader_pipe(int p[2]);
int grader_pipe2(int p[2], int flags);
int grader_accept4(int fd, struct sockaddr *a, socklen_t *alen, int flags);
int grader_dup(int fd);
int grader_dup2(int fd, int to);
int grader_dup3(int fd, int to, int flags);
int grader_fcntl(int fd, int cmd, ...);

static int failures;
#define CHECK(ok, ...)                                                                   \
    do {                                                                                 \
        if (!(ok)) {                                                                     \
            fprintf(stderr, "io_faults.c:%d: ", __LINE__);                               \
            fprintf(stderr, __VA_ARGS__);                                                \
            fputc('\n', stderr);                                                         \
            failures++;                                                                  \
        }                                                                                \
    } while (0)

enum { N = 3000 };

static void exchange(uint64_t seed)
{
    int sv[2];
    CHECK(grader_socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    static char out[N], in[N];
    for (int i = 0; i < N; i++)
        out[i] = (char)(i * 7 + (int)seed);
    remote_io_faults(seed, true);
    ssize_t w1 = grader_write(sv[0], out, N);
    CHECK(w1 >= 1 && w1 < N, "seed %llu: the first write moved %zd of %d bytes (a prefix expected)",
          (unsigned long long)seed, w1, N);
    errno = 0;
    ssize_t w2 = grader_send(sv[0], out + w1, (size_t)(N - w1), 0);
    CHECK(w2 == -1 && errno == EINTR, "seed %llu: the second write gave %zd (errno %d), not EINTR",
          (unsigned long long)seed, w2, errno);
    size_t sent = w1 > 0 ? (size_t)w1 : 0;
    while (sent < N) {
        ssize_t w = grader_write(sv[0], out + sent, N - sent);
        if (w < 0 && errno == EINTR)
            continue;
        CHECK(w > 0, "a write failed: %zd", w);
        if (w <= 0)
            break;
        sent += (size_t)w;
    }
    ssize_t r1 = grader_recv(sv[1], in, N, 0);
    CHECK(r1 >= 1 && r1 < N, "seed %llu: the first read moved %zd bytes (a prefix expected)",
          (unsigned long long)seed, r1);
    errno = 0;
    ssize_t r2 = grader_read(sv[1], in, N);
    CHECK(r2 == -1 && errno == EINTR, "the second read gave %zd, not EINTR", r2);
    size_t got = r1 > 0 ? (size_t)r1 : 0;
    while (got < N) {
        ssize_t r = grader_read(sv[1], in + got, N - got);
        if (r < 0 && errno == EINTR)
            continue;
        CHECK(r > 0, "a read failed: %zd", r);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    CHECK(memcmp(in, out, N) == 0, "seed %llu: the bytes read differ from those written",
          (unsigned long long)seed);
    grader_close(sv[0]);
    grader_close(sv[1]);
    remote_io_faults(0, false);
}

/* Another thread's write: not under the main thread's cut. */
static void *other_writer(void *p)
{
    static char b[64];
    return (void *)(intptr_t)grader_write(*(int *)p, b, sizeof b);
}

/* remote_io_cut_writes: the budget, then err; per thread; off with err 0. */
static void cut_writes(void)
{
    static char big[PIPE_BUF * 3];
    int p[2], sv[2];
    CHECK(grader_pipe(p) == 0 && grader_socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "pipe");
    remote_io_cut_writes(PIPE_BUF + 10, EIO);
    CHECK(grader_write(p[1], big, 4) == 4, "cut: a write within the budget was cut");
    ssize_t w = grader_write(p[1], big, sizeof big);
    CHECK(w == PIPE_BUF + 6, "cut: a big pipe write moved %zd, not the budget left (%d)", w,
          PIPE_BUF + 6);
    errno = 0;
    CHECK(grader_write(p[1], big, 1) == -1 && errno == EIO, "cut: a write past the budget "
          "was not EIO (errno %d)", errno);
    remote_io_cut_writes(10, EIO);
    errno = 0;
    CHECK(grader_write(p[1], big, 100) == -1 && errno == EIO, "cut: a pipe write of 100 "
          "(<= PIPE_BUF) with 10 left was not refused whole");
    CHECK(grader_send(sv[0], big, 100, 0) == 10, "cut: a socket send was not cut to 10");
    pthread_t t;
    void *moved = NULL;
    CHECK(pthread_create(&t, NULL, other_writer, &sv[0]) == 0 && pthread_join(t, &moved) == 0 &&
          (intptr_t)moved == 64, "cut: another thread's write was cut");
    remote_io_cut_writes(0, 0);
    CHECK(grader_write(sv[0], big, 100) == 100, "cut off: a write was cut");
    grader_close(p[0]);
    grader_close(p[1]);
    grader_close(sv[0]);
    grader_close(sv[1]);
}

/* Writes one byte into *fd after 50 ms (raw write: not a student's call). */
static void *late_writer(void *p)
{
    struct timespec nap = { 0, 50000000 };
    nanosleep(&nap, NULL);
    return (void *)(intptr_t)write(*(int *)p, "x", 1);
}

/* A blocking recv on *fd that waits for late_writer. */
static void *other_reader(void *p)
{
    char c;
    return (void *)(intptr_t)grader_recv(*(int *)p, &c, 1, 0);
}

/* recv on sv[1] while a thread writes to sv[0] 50 ms later: it waits. */
static ssize_t waiting_recv(int sv[2])
{
    pthread_t t;
    char c;
    CHECK(pthread_create(&t, NULL, late_writer, &sv[0]) == 0, "pthread_create");
    ssize_t r = grader_recv(sv[1], &c, 1, 0);
    pthread_join(t, NULL);
    return r;
}

static void loop_thread(void)
{
    int sv[2];
    char c;
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    remote_io_loop_blocks b = remote_io_loop_blocked();
    CHECK(b.count == 0 && b.first_call == NULL, "loop: blocks counted before any mark");
    CHECK(waiting_recv(sv) == 1, "loop: a recv failed");
    CHECK(remote_io_loop_blocked().count == 0, "loop: a thread not marked was counted");
    remote_io_loop_thread(true);
    CHECK(write(sv[0], "x", 1) == 1 && grader_recv(sv[1], &c, 1, 0) == 1, "loop: recv");
    CHECK(remote_io_loop_blocked().count == 0, "loop: a recv with a byte ready was counted");
    errno = 0;
    CHECK(grader_recv(sv[1], &c, 1, MSG_DONTWAIT) == -1 && errno == EAGAIN, "loop: EAGAIN");
    CHECK(remote_io_loop_blocked().count == 0, "loop: a non-blocking recv was counted");
    CHECK(grader_write(sv[0], "y", 1) == 1 && grader_read(sv[1], &c, 1) == 1, "loop: write");
    CHECK(remote_io_loop_blocked().count == 0, "loop: a write with room or a ready read was "
          "counted");
    pthread_t t;
    CHECK(pthread_create(&t, NULL, other_reader, &sv[1]) == 0, "pthread_create");
    struct timespec nap = { 0, 20000000 };
    nanosleep(&nap, NULL);
    CHECK(write(sv[0], "z", 1) == 1, "write");
    pthread_join(t, NULL);
    CHECK(remote_io_loop_blocked().count == 0, "loop: another thread's waiting recv was counted");
    CHECK(waiting_recv(sv) == 1, "loop: a recv failed");
    b = remote_io_loop_blocked();
    CHECK(b.count == 1 && b.first_call && strcmp(b.first_call, "recv") == 0 &&
              b.first_caller != 0, "loop: the marked thread's waiting recv gave count %llu, "
          "call %s (1, recv, its caller)", (unsigned long long)b.count,
          b.first_call ? b.first_call : "none");
    /* How long it held the thread: the writer's 50 ms nap, about, and over. */
    CHECK(!b.blocked_now && b.longest_ms >= 40, "loop: the waiting recv held the thread "
          "%llu ms (now: %d), expected about the writer's 50 ms nap, and over",
          (unsigned long long)b.longest_ms, (int)b.blocked_now);
    remote_io_loop_thread(false);
    CHECK(waiting_recv(sv) == 1, "loop: a recv failed");
    CHECK(remote_io_loop_blocked().count == 1, "loop: counted after the mark was taken off");
    close(sv[0]);
    close(sv[1]);
}

/* A framing bug on a 100-byte message (issue 12): a reader that takes one
 * read() for the whole message is caught under every seed, on a pipe and on
 * a socket (the first read is cut), while a reader that loops until it has
 * the 100 bytes (retrying EINTR) gets them whole and in order. The writer's
 * one write of 100 bytes (<= PIPE_BUF) is never cut on a pipe. */
static void framing_100(void)
{
    enum { MSG = 100 };
    char msg[MSG], got[MSG];
    for (int i = 0; i < MSG; i++)
        msg[i] = (char)('a' + i % 26);
    for (int kind = 0; kind < 2; kind++) {
        for (uint64_t seed = 1; seed <= 20; seed++) {
            int fds[2];
            CHECK((kind == 0 ? grader_pipe(fds) : grader_socketpair(AF_UNIX, SOCK_STREAM, 0, fds)) == 0,
                  "framing: pipe or socketpair");
            remote_io_faults_kinds(seed, REMOTE_IO_PIPES | REMOTE_IO_SOCKETS);
            ssize_t w;
            do
                w = grader_write(fds[1], msg, MSG);
            while (w == -1 && errno == EINTR);
            CHECK(w > 0, "framing: the writer's write failed (errno %d)", errno);
            size_t sent = (size_t)w;
            while (sent < MSG) { /* a socket's write may be cut: the writer loops */
                w = grader_write(fds[1], msg + sent, MSG - sent);
                CHECK(w > 0 || errno == EINTR, "framing: a write failed (errno %d)", errno);
                if (w > 0)
                    sent += (size_t)w;
                else if (errno != EINTR)
                    break;
            }
            /* The one-read reader: what it gets is not the message. */
            ssize_t once = grader_read(fds[0], got, MSG);
            CHECK(once >= 1 && once < MSG,
                  "framing: seed %llu: one read of a 100-byte message on a %s got %zd bytes: "
                  "a one-read reader would pass",
                  (unsigned long long)seed, kind == 0 ? "pipe" : "socket", once);
            /* The looping reader: the rest, whole and in order. */
            size_t have = once > 0 ? (size_t)once : 0;
            while (have < MSG) {
                ssize_t r = grader_read(fds[0], got + have, MSG - have);
                if (r > 0)
                    have += (size_t)r;
                else if (!(r == -1 && errno == EINTR))
                    break;
            }
            CHECK(have == MSG && memcmp(got, msg, MSG) == 0,
                  "framing: seed %llu: a looping reader got %zu of 100 bytes, or not in order",
                  (unsigned long long)seed, have);
            remote_io_faults_kinds(0, 0);
            grader_close(fds[0]);
            grader_close(fds[1]);
        }
    }
}

int main(void)
{
    loop_thread();
    framing_100();
    cut_writes();
    for (uint64_t seed = 1; seed <= 20; seed++)
        exchange(seed);

    /* Off: one call moves everything. */
    int sv[2];
    static char buf[N];
    grader_socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    CHECK(grader_write(sv[0], buf, N) == N, "faults off: a write was cut short");
    CHECK(grader_read(sv[1], buf, N) == N, "faults off: a read was cut short");

    /* Pipes are not sockets: untouched. */
    int p[2];
    remote_io_faults(5, true);
    uint64_t mark = remote_io_mark();
    CHECK(grader_pipe(p) == 0, "pipe");
    remote_fd_where w[4];
    size_t nw = remote_io_open_where(mark, w, 4);
    CHECK(nw == 2 && w[0].fd == p[0] && w[1].fd == p[1] && strcmp(w[0].call, "pipe") == 0 &&
              w[0].site == w[1].site && w[0].site > (uintptr_t)main &&
              w[0].site < (uintptr_t)main + 8192,
          "where: %zu descriptors since the mark, not the pipe's two with main's line", nw);
    CHECK(grader_write(p[1], buf, 100) == 100, "a pipe write was cut short");
    CHECK(grader_read(p[0], buf, 100) == 100, "a pipe read was cut short");

    /* Accept, served, closed. */
    int l = grader_socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t alen = sizeof a;
    CHECK(bind(l, (struct sockaddr *)&a, sizeof a) == 0 && listen(l, 4) == 0 &&
              getsockname(l, (struct sockaddr *)&a, &alen) == 0, "listen on loopback");
    int c = socket(AF_INET, SOCK_STREAM, 0); /* the client: not the student's */
    CHECK(connect(c, (struct sockaddr *)&a, sizeof a) == 0, "connect");
    errno = 0;
    CHECK(grader_accept(l, NULL, NULL) == -1 && errno == EINTR, "the first accept was not EINTR");
    int s = grader_accept(l, NULL, NULL);
    CHECK(s >= 0, "the second accept failed");
    remote_io_stats st = remote_io_read_stats();
    CHECK(st.served_now == 0 && st.open_fds == 6, "after accept: served %llu, open %llu (0, 6)",
          (unsigned long long)st.served_now, (unsigned long long)st.open_fds);
    CHECK(write(c, "hi", 2) == 2, "client write");
    char two[2];
    ssize_t r;
    while ((r = grader_recv(s, two, 1, 0)) < 0 && errno == EINTR) {
    }
    st = remote_io_read_stats();
    CHECK(st.served_now == 1 && st.served_max == 1, "after a read: served %llu (1)",
          (unsigned long long)st.served_now);
    close(c); /* the client leaves: the end of file ends its service */
    c = -1;
    char rest[8];
    while ((r = grader_recv(s, rest, sizeof rest, 0)) != 0)
        CHECK(r > 0 || errno == EINTR, "a read after the client left failed: errno %d", errno);
    CHECK(remote_io_read_stats().served_now == 0, "the end of file did not end the service");
    close(sv[0]); /* a close the book does not see: found by its inode */
    grader_close(s);
    st = remote_io_read_stats();
    CHECK(st.served_now == 0 && st.served_max == 1 && st.open_fds == 4,
          "after close: served %llu, max %llu, open %llu (0, 1, 4)",
          (unsigned long long)st.served_now, (unsigned long long)st.served_max,
          (unsigned long long)st.open_fds);
    CHECK(st.sigpipe_writes > 0, "writes with SIGPIPE at its default were not counted");
    grader_close(l);
    grader_close(sv[1]);
    grader_close(p[0]);
    grader_close(p[1]);
    CHECK(remote_io_read_stats().open_fds == 0, "everything closed, yet open_fds is not 0");

    /* Copies are descriptors opened: dup, dup2, dup3, fcntl F_DUPFD(_CLOEXEC). */
    int o = grader_socket(AF_INET, SOCK_STREAM, 0);
    int d1 = grader_dup(o), d2 = grader_dup2(o, 100), d3 = grader_dup3(o, 101, O_CLOEXEC);
    int d4 = grader_fcntl(o, F_DUPFD, 110), d5 = grader_fcntl(o, F_DUPFD_CLOEXEC, 0);
    CHECK(d1 >= 0 && d2 == 100 && d3 == 101 && d4 >= 110 && d5 >= 0, "a copy failed");
    CHECK(grader_fcntl(o, F_GETFD) == 0 && grader_fcntl(d3, F_GETFD) == FD_CLOEXEC,
          "fcntl's other commands were not passed on");
    CHECK(grader_fcntl(o, F_SETFL, O_NONBLOCK) == 0 && (grader_fcntl(o, F_GETFL) & O_NONBLOCK),
          "fcntl's argument was not passed on");
    st = remote_io_read_stats();
    CHECK(st.open_fds == 6, "a socket and 5 copies: open %llu (6)", (unsigned long long)st.open_fds);
    int copies[] = { o, d1, d2, d3, d4, d5 };
    for (size_t i = 0; i < 6; i++)
        grader_close(copies[i]);
    CHECK(remote_io_read_stats().open_fds == 0, "the copies closed, yet open_fds is not 0");

    /* Pipes, when asked for: a write of more than PIPE_BUF is cut, one of
     * at most PIPE_BUF never is (POSIX: all or nothing); reads are cut; the
     * second blocking call is EINTR. */
    for (uint64_t seed = 1; seed <= 20; seed++) {
        int q[2];
        CHECK(grader_pipe(q) == 0, "pipe");
        remote_io_faults_kinds(seed, REMOTE_IO_PIPES);
        enum { BIG = PIPE_BUF + 1000 };
        static char big[BIG];
        ssize_t w = grader_write(q[1], big, BIG);
        CHECK(w >= 1 && w < BIG, "seed %llu: the first pipe write of %d moved %zd (a prefix)",
              (unsigned long long)seed, BIG, w);
        errno = 0;
        CHECK(grader_write(q[1], big, 10) == -1 && errno == EINTR,
              "seed %llu: the second blocking pipe write was not EINTR", (unsigned long long)seed);
        for (int i = 0; i < 6; i++) {
            ssize_t m = grader_write(q[1], big, 100);
            CHECK(m == 100 || (m == -1 && errno == EINTR),
                  "seed %llu: a pipe write of 100 bytes (<= PIPE_BUF) moved %zd",
                  (unsigned long long)seed, m);
        }
        ssize_t r = grader_read(q[0], big, 500);
        CHECK(r >= 1 && r < 500, "seed %llu: the first pipe read moved %zd of 500 (a prefix)",
              (unsigned long long)seed, r);
        errno = 0;
        CHECK(grader_read(q[0], big, 10) == -1 && errno == EINTR,
              "seed %llu: the second blocking pipe read was not EINTR", (unsigned long long)seed);
        remote_io_faults_kinds(0, 0);
        grader_close(q[0]);
        grader_close(q[1]);
    }

    /* Sockets alone (remote_io_faults): pipes untouched, even non-blocking. */
    int q[2];
    CHECK(grader_pipe2(q, O_NONBLOCK) == 0, "pipe2");
    remote_io_faults(9, true);
    for (int i = 0; i < 4; i++)
        CHECK(grader_write(q[1], buf, 100) == 100 && grader_read(q[0], buf, 100) == 100,
              "sockets' faults touched a pipe");
    /* EAGAIN where a call does not block: the second read and write. */
    remote_io_faults_kinds(9, REMOTE_IO_PIPES | REMOTE_IO_EAGAIN);
    CHECK(grader_write(q[1], buf, 100) == 100, "the first small write was cut or failed");
    errno = 0;
    CHECK(grader_write(q[1], buf, 100) == -1 && errno == EAGAIN,
          "the second non-blocking write was not EAGAIN (errno %d)", errno);
    CHECK(grader_read(q[0], buf, 100) >= 1, "the first non-blocking read failed");
    errno = 0;
    CHECK(grader_read(q[0], buf, 100) == -1 && errno == EAGAIN,
          "the second non-blocking read was not EAGAIN (errno %d)", errno);
    /* Without REMOTE_IO_EAGAIN a non-blocking call is never refused. */
    remote_io_faults_kinds(10, REMOTE_IO_PIPES);
    int q2[2];
    CHECK(grader_pipe2(q2, O_NONBLOCK) == 0, "pipe2");
    for (int i = 0; i < 8; i++)
        CHECK(grader_write(q2[1], buf, 100) == 100, "a non-blocking write without EAGAIN faults "
              "failed (errno %d)", errno);
    /* A non-blocking listening socket: its first accept is EAGAIN. */
    remote_io_faults_kinds(11, REMOTE_IO_SOCKETS | REMOTE_IO_EAGAIN);
    int nl = grader_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in na = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t nalen = sizeof na;
    CHECK(bind(nl, (struct sockaddr *)&na, sizeof na) == 0 && listen(nl, 4) == 0 &&
              getsockname(nl, (struct sockaddr *)&na, &nalen) == 0, "listen on loopback");
    int nc = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(connect(nc, (struct sockaddr *)&na, sizeof na) == 0, "connect");
    errno = 0;
    CHECK(grader_accept4(nl, NULL, NULL, 0) == -1 && errno == EAGAIN,
          "the first non-blocking accept was not EAGAIN (errno %d)", errno);
    int ns = grader_accept4(nl, NULL, NULL, 0);
    CHECK(ns >= 0, "the second accept failed (errno %d)", errno);
    CHECK(remote_io_read_stats().eagains == 3, "eagains %llu (3)",
          (unsigned long long)remote_io_read_stats().eagains);
    remote_io_faults_kinds(0, 0);
    int rest_fds[] = { q[0], q[1], q2[0], q2[1], nl, ns };
    for (size_t i = 0; i < 6; i++)
        grader_close(rest_fds[i]);
    close(nc);
    CHECK(remote_io_read_stats().open_fds == 0, "at the end, open_fds is not 0");
    if (failures == 0)
        printf("io_faults: ok\n");
    return failures ? 1 : 0;
}
