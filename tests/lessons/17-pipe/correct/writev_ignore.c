/* A correct alternative: two pipes, SIGPIPE ignored for the whole process
 * (once, by chan_pair, unless the program chose a handler of its own), and
 * each frame written with writev(): the length and the message in one
 * call, continued where a short write stopped.
 */
#include "pipe.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

struct chan {
    int in, out;
    size_t waiting; /* length read ahead of a message too big for the last buffer */
};

/* A write to a pipe nobody reads then fails with EPIPE instead of killing us. */
static void ignore_sigpipe(void)
{
    struct sigaction now;
    if (sigaction(SIGPIPE, NULL, &now) == 0 && now.sa_handler == SIG_DFL) {
        struct sigaction ign = { .sa_handler = SIG_IGN };
        sigemptyset(&ign.sa_mask);
        sigaction(SIGPIPE, &ign, NULL);
    }
}

int chan_pair(chan_t **a, chan_t **b)
{
    int p[2], q[2];
    chan_t *x = malloc(sizeof *x), *y = malloc(sizeof *y);
    if (!x || !y) {
        free(x);
        free(y);
        return ENOMEM;
    }
    if (pipe(p) != 0) {
        int err = errno;
        free(x);
        free(y);
        return err;
    }
    if (pipe(q) != 0) {
        int err = errno;
        close(p[0]);
        close(p[1]);
        free(x);
        free(y);
        return err;
    }
    ignore_sigpipe();
    x->in = q[0], x->out = p[1], x->waiting = 0;
    y->in = p[0], y->out = q[1], y->waiting = 0;
    *a = x;
    *b = y;
    return 0;
}

int chan_send(chan_t *c, const void *msg, size_t len)
{
    if (len == 0)
        return EINVAL;
    size_t header = len;
    struct iovec iov[2] = { { &header, sizeof header }, { (void *)msg, len } };
    struct iovec *v = iov;
    int n = 2;
    while (n > 0) {
        ssize_t m = writev(c->out, v, n);
        if (m < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        /* Skip what moved: whole iovecs, then a part of the next. */
        while (n > 0 && (size_t)m >= v->iov_len) {
            m -= (ssize_t)v->iov_len;
            v++;
            n--;
        }
        if (n > 0) {
            v->iov_base = (char *)v->iov_base + m;
            v->iov_len -= (size_t)m;
        }
    }
    return 0;
}

/* Exactly n bytes: 1; 0 when the stream ended before the first; -1 with
 * EIO when it ended after some; -1 with errno on an error. */
static int read_exactly(int fd, void *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t m = read(fd, (char *)p + got, n - got);
        if (m > 0) {
            got += (size_t)m;
        } else if (m == 0) {
            if (got == 0)
                return 0;
            errno = EIO;
            return -1;
        } else if (errno != EINTR) {
            return -1;
        }
    }
    return 1;
}

ssize_t chan_recv(chan_t *c, void *buf, size_t cap)
{
    if (!c->waiting) {
        size_t len;
        int r = read_exactly(c->in, &len, sizeof len);
        if (r <= 0)
            return r;
        if (len == 0) {
            errno = EIO;
            return -1;
        }
        c->waiting = len;
    }
    if (c->waiting > cap) {
        errno = EMSGSIZE;
        return -1;
    }
    size_t len = c->waiting;
    c->waiting = 0;
    int r = read_exactly(c->in, buf, len);
    if (r == 0)
        errno = EIO;
    return r == 1 ? (ssize_t)len : -1;
}

void chan_close(chan_t *c)
{
    if (c) {
        close(c->in);
        close(c->out);
        free(c);
    }
}
