/* tcpclient.c - the TCP clients a network lesson's tests play (judge side):
 * sockets the grader makes on the student's network (harness_net_socket),
 * connected to the student's server on 127.0.0.1, sending a seeded
 * pattern and checking each byte that comes back as it arrives. One copy
 * for every lesson whose tests are the clients (15-echo, 21-eventloop).
 * Everything here is the judge's: no byte of it runs in the student's
 * process, and what a client received is what the judge saw on its own
 * socket.
 */
#include "tcpclient.h"
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

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

long client_fill(int fd, uint64_t seed, size_t max_bytes, unsigned stall_ms, unsigned max_ms)
{
    size_t sent = 0;
    long deadline = ms_now() + (long)max_ms, last = ms_now();
    unsigned char buf[16384];
    while (sent < max_bytes && ms_now() < deadline && ms_now() - last < (long)stall_ms) {
        for (size_t i = 0; i < sizeof buf; i++)
            buf[i] = pattern_byte(seed, sent + i);
        ssize_t m = send(fd, buf, sizeof buf, MSG_NOSIGNAL);
        if (m > 0) {
            sent += (size_t)m;
            last = ms_now();
            continue;
        }
        if (m < 0 && errno != EAGAIN && errno != EINTR)
            break;
        long until = last + (long)stall_ms < deadline ? last + (long)stall_ms : deadline;
        wait_for(fd, POLLOUT, until);
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
    if (k > TCP_CLIENTS_MAX)
        k = TCP_CLIENTS_MAX;
    rx r[TCP_CLIENTS_MAX];
    size_t sent[TCP_CLIENTS_MAX] = { 0 };
    struct pollfd p[TCP_CLIENTS_MAX];
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
