/* BUG: when the second pipe() fails, chan_pair returns the error but
 * leaves the first pipe's two descriptors open.
 * expect: functional
 * says: Still open: pipe() at pipe.c:25 */
#include "pipe.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct chan {
    int rfd;        /* the pipe from the other end */
    int wfd;        /* the pipe to the other end */
    size_t pending; /* length of a message whose header was read but whose
                       bytes were not (its buffer was too small); 0: none */
};

int chan_pair(chan_t **a, chan_t **b)
{
    int ab[2], ba[2]; /* [0] reads what [1] writes */
    if (pipe(ab) != 0)
        return errno;
    if (pipe(ba) != 0)
        return errno; /* ab stays open */
    chan_t *x = malloc(sizeof *x), *y = malloc(sizeof *y);
    if (!x || !y) {
        free(x);
        free(y);
        close(ab[0]);
        close(ab[1]);
        close(ba[0]);
        close(ba[1]);
        return ENOMEM;
    }
    *x = (chan_t){ .rfd = ba[0], .wfd = ab[1], .pending = 0 };
    *y = (chan_t){ .rfd = ab[0], .wfd = ba[1], .pending = 0 };
    *a = x;
    *b = y;
    return 0;
}

/* Writes all n bytes: 0, or -1 with errno (never EINTR). */
static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t m = write(fd, p, n);
        if (m < 0 && errno == EINTR)
            continue;
        if (m < 0)
            return -1;
        p += m;
        n -= (size_t)m;
    }
    return 0;
}

/* Reads up to n bytes, fewer only at the end of the stream: how many, or
 * -1 with errno (never EINTR). */
static ssize_t read_full(int fd, unsigned char *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t m = read(fd, p + got, n - got);
        if (m < 0 && errno == EINTR)
            continue;
        if (m < 0)
            return -1;
        if (m == 0)
            break;
        got += (size_t)m;
    }
    return (ssize_t)got;
}

int chan_send(chan_t *c, const void *msg, size_t len)
{
    if (len == 0)
        return EINVAL;
    uint64_t header = len;
    sigset_t sigpipe, old, pending;
    sigemptyset(&sigpipe);
    sigaddset(&sigpipe, SIGPIPE);
    /* While SIGPIPE is blocked, a write to a closed pipe fails with EPIPE
     * and leaves a SIGPIPE pending on this thread instead of killing us. */
    pthread_sigmask(SIG_BLOCK, &sigpipe, &old);
    sigpending(&pending);
    bool was_pending = sigismember(&pending, SIGPIPE);
    int rc = write_all(c->wfd, (const unsigned char *)&header, sizeof header);
    if (rc == 0)
        rc = write_all(c->wfd, msg, len);
    int err = errno;
    if (rc != 0 && err == EPIPE && !was_pending) {
        /* Take back the SIGPIPE our write left, so that it never fires. */
        struct timespec now = { 0, 0 };
        while (sigtimedwait(&sigpipe, NULL, &now) < 0 && errno == EINTR) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc == 0 ? 0 : err;
}

ssize_t chan_recv(chan_t *c, void *buf, size_t cap)
{
    if (c->pending == 0) {
        uint64_t header;
        ssize_t got = read_full(c->rfd, (unsigned char *)&header, sizeof header);
        if (got < 0)
            return -1;
        if (got == 0)
            return 0; /* the end, between two messages */
        if ((size_t)got < sizeof header || header == 0) {
            errno = EIO; /* the end inside a header, or not a header */
            return -1;
        }
        c->pending = (size_t)header;
    }
    if (c->pending > cap) {
        errno = EMSGSIZE; /* the message stays: its length is remembered */
        return -1;
    }
    size_t len = c->pending;
    c->pending = 0;
    ssize_t got = read_full(c->rfd, buf, len);
    if (got < 0)
        return -1;
    if ((size_t)got < len) {
        errno = EIO; /* the end inside a message */
        return -1;
    }
    return (ssize_t)len;
}

void chan_close(chan_t *c)
{
    if (!c)
        return;
    close(c->rfd);
    close(c->wfd);
    free(c);
}
