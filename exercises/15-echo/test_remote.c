/* test_remote.c - carries lesson 15's API from the tests to your echo.c,
 * and plays the TCP clients.
 *
 * The tests run in a process of their own (the judge); your code runs in
 * another (the subject), maybe in a network namespace of its own. Each API
 * function below, on the tests' side, sends the call to your process, where
 * the matching do_ function makes it. The clients are the tests' own: the
 * grader hands the judge sockets made on your process's network (its
 * 127.0.0.1), and the functions below connect, send, receive and close
 * with them. You never need to read or change this file.
 *
 * What a client sends is a pattern computed from a seed and the offset of
 * each byte, so what comes back is checked byte by byte as it arrives.
 */
#include "remote.h"
#include "echo.h"
#include "test_support.h"

#include <string.h>

enum { F_START, F_PORT, F_STOP, F_IO_FAULTS, F_IO_STATS, F_IO_QUIET };
REMOTE_NAMES("echo_start", "echo_port", "echo_stop",
             "the test's socket faults switch", "the test's look at the sockets",
             "the test's wait for a quiet server");

#ifdef REMOTE_JUDGE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

echo_server_t *echo_start(uint16_t port, size_t workers)
{
    return REMOTE_AS_PTR(REMOTE_CALL(F_START, port, (uint64_t)workers));
}
uint16_t echo_port(echo_server_t *s) { return (uint16_t)REMOTE_CALL(F_PORT, REMOTE_PTR_ARG(s)); }
void echo_stop(echo_server_t *s) { REMOTE_CALL(F_STOP, REMOTE_PTR_ARG(s)); }

/* ---- the clients: the tests' own sockets, on the student's network ------ */

static long ms_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void nonblocking(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* Waits for events on fd until the deadline; false when it passed. */
static bool wait_for(int fd, short events, long deadline)
{
    for (;;) {
        long left = deadline - ms_now();
        if (left <= 0)
            return false;
        struct pollfd p = { fd, events, 0 };
        int rc = poll(&p, 1, (int)left);
        if (rc > 0)
            return true;
        if (rc < 0 && errno != EINTR)
            return false;
    }
}

int client_connect(uint16_t port, int rcvbuf)
{
    int fd = harness_net_socket(AF_INET, SOCK_STREAM);
    if (fd < 0)
        return CLIENT_NO_SOCKET;
    if (rcvbuf > 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    nonblocking(fd);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    if (rc != 0 && errno == EINPROGRESS && wait_for(fd, POLLOUT, ms_now() + 3000)) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        rc = err ? -1 : 0;
        errno = err ? err : errno;
    } else if (rc != 0 && errno == EINPROGRESS) {
        errno = ETIMEDOUT;
    }
    if (rc != 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    return fd;
}

long client_send(int fd, size_t n, uint64_t seed, size_t off, unsigned ms)
{
    size_t sent = 0;
    long deadline = ms_now() + (long)ms;
    unsigned char buf[16384];
    while (sent < n) {
        size_t k = n - sent < sizeof buf ? n - sent : sizeof buf;
        for (size_t i = 0; i < k; i++)
            buf[i] = pattern_byte(seed, off + sent + i);
        ssize_t m = send(fd, buf, k, MSG_NOSIGNAL);
        if (m > 0) {
            sent += (size_t)m;
            continue;
        }
        if (m < 0 && (errno == EAGAIN || errno == EINTR) && wait_for(fd, POLLOUT, deadline))
            continue;
        break;
    }
    return (long)sent;
}

/* One client's receiving side: checks each byte against the pattern. */
typedef struct rx {
    int fd;
    uint64_t seed;
    size_t off, want;
    client_got g;
    bool done;
} rx;

static void rx_init(rx *r, int fd, uint64_t seed, size_t off, size_t want)
{
    *r = (rx){ .fd = fd, .seed = seed, .off = off, .want = want,
               .g = { .bad = NO_BAD, .end = GOT_TIMEOUT } };
    if (want == 0) {
        r->done = true;
        r->g.end = GOT_ALL;
    }
}

/* Reads what is there (without blocking); done when complete, EOF or error. */
static void rx_step(rx *r)
{
    unsigned char buf[16384];
    while (!r->done) {
        size_t k = r->want - r->g.got < sizeof buf ? r->want - r->g.got : sizeof buf;
        ssize_t m = recv(r->fd, buf, k, 0);
        if (m < 0 && errno == EINTR)
            continue;
        if (m < 0 && errno == EAGAIN)
            return;
        if (m <= 0) {
            r->done = true;
            r->g.end = m == 0 ? GOT_EOF : GOT_ERROR + (uint64_t)errno;
            return;
        }
        for (ssize_t i = 0; i < m; i++)
            if (r->g.bad == NO_BAD && buf[i] != pattern_byte(r->seed, r->off + r->g.got + (size_t)i))
                r->g.bad = r->off + r->g.got + (size_t)i;
        r->g.got += (uint64_t)m;
        if (r->g.got == r->want) {
            r->done = true;
            r->g.end = GOT_ALL;
        }
    }
}

client_got client_recv(int fd, size_t n, uint64_t seed, size_t off, unsigned ms)
{
    rx r;
    rx_init(&r, fd, seed, off, n);
    long deadline = ms_now() + (long)ms;
    for (;;) {
        rx_step(&r);
        if (r.done || !wait_for(r.fd, POLLIN, deadline))
            break;
    }
    return r.g;
}

/* Client i sends n pattern bytes (seed + i) while it reads its echo; with
 * close_done it closes once its echo is complete (its worker is then free
 * for the next client). */
void client_exchange(const int fds[], size_t k, size_t n, uint64_t seed, unsigned ms,
                     bool close_done, client_got got[])
{
    if (k > CLIENTS_MAX)
        k = CLIENTS_MAX;
    rx r[CLIENTS_MAX];
    size_t sent[CLIENTS_MAX] = { 0 };
    struct pollfd p[CLIENTS_MAX];
    long deadline = ms_now() + (long)ms;
    for (size_t i = 0; i < k; i++)
        rx_init(&r[i], fds[i], seed + i * CLIENT_SEED_STEP, 0, n);
    unsigned char buf[16384];
    for (;;) {
        size_t open = 0;
        for (size_t i = 0; i < k; i++) {
            bool was_done = r[i].done;
            rx_step(&r[i]);
            if (!was_done && r[i].done && close_done)
                close(r[i].fd);
            while (!r[i].done && sent[i] < n) {
                size_t m = n - sent[i] < sizeof buf ? n - sent[i] : sizeof buf;
                for (size_t j = 0; j < m; j++)
                    buf[j] = pattern_byte(r[i].seed, sent[i] + j);
                ssize_t w = send(r[i].fd, buf, m, MSG_NOSIGNAL);
                if (w < 0 && errno == EINTR)
                    continue;
                if (w <= 0)
                    break;
                sent[i] += (size_t)w;
            }
            p[i] = (struct pollfd){ r[i].done ? -1 : r[i].fd,
                                    (short)(POLLIN | (sent[i] < n ? POLLOUT : 0)), 0 };
            open += !r[i].done;
        }
        long left = deadline - ms_now();
        if (open == 0 || left <= 0)
            break;
        poll(p, k, (int)(left < 50 ? left : 50));
    }
    for (size_t i = 0; i < k; i++)
        got[i] = r[i].g;
}

/* reset: SO_LINGER 0, the close resets the connection. */
void client_close(int fd, bool reset)
{
    if (reset) {
        struct linger l = { 1, 0 };
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    close(fd);
}

uint16_t client_free_port(void)
{
    int fd = harness_net_socket(AF_INET, SOCK_STREAM);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof sa;
    uint16_t port = 0;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

void io_faults(bool on) { REMOTE_CALL(F_IO_FAULTS, harness_seed(), on); }

io_stats io_look(void)
{
    io_stats st = { 0 };
    size_t len = 0;
    remote_call_bytes(F_IO_STATS, 0, NULL, NULL, 0, &st, sizeof st, &len);
    return st;
}

bool io_quiet(unsigned quiet_ms, unsigned max_ms)
{
    return REMOTE_CALL(F_IO_QUIET, quiet_ms, max_ms) != 0;
}
#endif

#ifdef REMOTE_SUBJECT
static uint64_t do_start(remote_args *a)
{
    return REMOTE_PTR_ARG(echo_start((uint16_t)a->arg[0], (size_t)a->arg[1]));
}
static uint64_t do_port(remote_args *a) { return echo_port(REMOTE_AS_PTR(a->arg[0])); }
static uint64_t do_stop(remote_args *a)
{
    echo_stop(REMOTE_AS_PTR(a->arg[0]));
    return 0;
}

static uint64_t do_io_faults(remote_args *a)
{
    remote_io_faults(a->arg[0], a->arg[1] != 0);
    return 0;
}

static uint64_t do_io_stats(remote_args *a)
{
    remote_io_stats st = remote_io_read_stats();
    io_stats out = { st.served_now, st.served_max, st.open_fds, st.sigpipe_writes,
                     st.short_transfers, st.eintrs };
    if (a->out_cap >= sizeof out) {
        memcpy(a->out, &out, sizeof out);
        a->out_len = sizeof out;
    }
    return 0;
}

static uint64_t do_io_quiet(remote_args *a)
{
    return remote_io_wait_quiet((unsigned)a->arg[0], (unsigned)a->arg[1]);
}

REMOTE_FUNCTIONS(do_start, do_port, do_stop, do_io_faults, do_io_stats, do_io_quiet);
/* echo_start leaves its workers running; echo_stop joins them. */
REMOTE_LEAVES({ F_START, REMOTE_LEAVES_THREADS });
#endif
