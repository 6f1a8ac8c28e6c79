/* A correct alternative: one socketpair instead of two pipes (a Unix
 * stream socket is a byte stream in both directions), send() with
 * MSG_NOSIGNAL instead of SIGPIPE handling, a 4-byte length, and a
 * receiver that reads ahead: it asks for as much as the socket holds (up to
 * 64 KB), keeps what follows the message for the next calls, and reads a
 * message larger than its buffer straight into the caller's.
 *
 * A Unix socket closed with unread data makes its peer's next call fail
 * with ECONNRESET instead of EPIPE or the end of file: taken here as what
 * it means (the peer is gone).
 */
#include "pipe.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define AHEAD (64u << 10)

struct chan {
    int fd;
    unsigned char ahead[AHEAD]; /* bytes read but not returned: [start, end) */
    size_t start, end;
    uint32_t pending; /* length of a message whose header was taken; 0: none */
};

int chan_pair(chan_t **a, chan_t **b)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return errno;
    chan_t *x = calloc(1, sizeof *x), *y = calloc(1, sizeof *y);
    if (!x || !y) {
        free(x);
        free(y);
        close(sv[0]);
        close(sv[1]);
        return ENOMEM;
    }
    x->fd = sv[0];
    y->fd = sv[1];
    *a = x;
    *b = y;
    return 0;
}

/* Sends all n bytes: 0, or an errno value (EPIPE when the peer is gone;
 * never EINTR). */
static int send_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t m = send(fd, p, n, MSG_NOSIGNAL);
        if (m < 0 && errno == EINTR)
            continue;
        if (m < 0)
            return errno == ECONNRESET ? EPIPE : errno;
        p += m;
        n -= (size_t)m;
    }
    return 0;
}

int chan_send(chan_t *c, const void *msg, size_t len)
{
    if (len == 0)
        return EINVAL;
    if (len > UINT32_MAX)
        return EMSGSIZE;
    uint32_t header = (uint32_t)len;
    int err = send_all(c->fd, (const unsigned char *)&header, sizeof header);
    return err ? err : send_all(c->fd, msg, len);
}

/* One recv into p: bytes, 0 at the end (ECONNRESET too), -1 on error. */
static ssize_t recv_some(int fd, void *p, size_t n)
{
    for (;;) {
        ssize_t m = recv(fd, p, n, 0);
        if (m < 0 && errno == EINTR)
            continue;
        if (m < 0 && errno == ECONNRESET)
            return 0;
        return m;
    }
}

/* Reads ahead until at least `want` bytes are buffered: 1, 0 at the end
 * of the stream first, -1 on error. */
static int buffer_at_least(chan_t *c, size_t want)
{
    while (c->end - c->start < want) {
        if (c->start > 0) { /* move what is left to the front */
            memmove(c->ahead, c->ahead + c->start, c->end - c->start);
            c->end -= c->start;
            c->start = 0;
        }
        ssize_t m = recv_some(c->fd, c->ahead + c->end, AHEAD - c->end);
        if (m <= 0)
            return (int)m;
        c->end += (size_t)m;
    }
    return 1;
}

ssize_t chan_recv(chan_t *c, void *buf, size_t cap)
{
    if (c->pending == 0) {
        int r = buffer_at_least(c, sizeof c->pending);
        if (r < 0)
            return -1;
        if (r == 0) {
            if (c->end == c->start)
                return 0; /* the end, between two messages */
            errno = EIO;
            return -1;
        }
        memcpy(&c->pending, c->ahead + c->start, sizeof c->pending);
        c->start += sizeof c->pending;
        if (c->pending == 0) {
            errno = EIO;
            return -1;
        }
    }
    size_t len = c->pending;
    if (len > cap) {
        errno = EMSGSIZE;
        return -1;
    }
    c->pending = 0;
    size_t have = c->end - c->start < len ? c->end - c->start : len;
    memcpy(buf, c->ahead + c->start, have);
    c->start += have;
    while (have < len) { /* the rest, straight into the caller's buffer */
        ssize_t m = recv_some(c->fd, (unsigned char *)buf + have, len - have);
        if (m < 0)
            return -1;
        if (m == 0) {
            errno = EIO;
            return -1;
        }
        have += (size_t)m;
    }
    return (ssize_t)len;
}

void chan_close(chan_t *c)
{
    if (!c)
        return;
    close(c->fd);
    free(c);
}
