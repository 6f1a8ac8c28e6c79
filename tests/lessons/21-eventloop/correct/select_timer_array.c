/* A correct alternative in another style: select(2) on a table of watches
 * indexed by fd (each with a generation number, so a turn's ready list
 * knows an fd unwatched, or unwatched and watched again, since the turn
 * began), a self-pipe for loop_stop, and the timers in an unsorted array:
 * each time, the one with the smallest (due, number) is picked by a scan.
 * The echo server stops reading a client while 64 KiB of its echo wait. */
#include "eventloop.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PENDING_MAX 65536

typedef struct slot {
    bool on, reads, writes;
    unsigned gen;
    void (*on_readable)(loop_t *l, int fd, void *ctx);
    void (*on_writable)(loop_t *l, int fd, void *ctx);
    void *ctx;
} slot;

typedef struct timer {
    struct timespec due;
    uint64_t number;
    void (*fn)(loop_t *l, void *ctx);
    void *ctx;
} timer;

typedef struct peer {
    char *buf;
    size_t len, cap;
    bool closed;
} peer;

struct loop {
    slot fds[FD_SETSIZE];
    size_t watched;
    timer *timers;
    size_t ntimers, cap;
    uint64_t numbers;
    int self[2];
    atomic_bool stop;
    int listener;
    peer *peers[FD_SETSIZE];
};

static int cmp_ts(struct timespec a, struct timespec b)
{
    if (a.tv_sec != b.tv_sec)
        return a.tv_sec < b.tv_sec ? -1 : 1;
    return a.tv_nsec < b.tv_nsec ? -1 : a.tv_nsec > b.tv_nsec;
}

static struct timespec now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t;
}

loop_t *loop_new(void)
{
    loop_t *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    if (pipe(l->self) != 0) {
        free(l);
        return NULL;
    }
    fcntl(l->self[0], F_SETFL, O_NONBLOCK);
    fcntl(l->self[1], F_SETFL, O_NONBLOCK);
    l->listener = -1;
    return l;
}

static int watch_both(loop_t *l, int fd, void (*rd)(loop_t *, int, void *),
                      void (*wr)(loop_t *, int, void *), void *ctx)
{
    if (fd < 0 || fd >= FD_SETSIZE)
        return EINVAL;
    slot *s = &l->fds[fd];
    if (s->on)
        return EEXIST;
    unsigned gen = s->gen + 1;
    *s = (slot){ true, true, false, gen, rd, wr, ctx };
    l->watched++;
    return 0;
}

int loop_watch(loop_t *l, int fd, void (*on_readable)(loop_t *l, int fd, void *ctx), void *ctx)
{
    return watch_both(l, fd, on_readable, NULL, ctx);
}

int loop_unwatch(loop_t *l, int fd)
{
    if (fd < 0 || fd >= FD_SETSIZE || !l->fds[fd].on)
        return ENOENT;
    l->fds[fd].on = false;
    l->fds[fd].gen++;
    l->watched--;
    return 0;
}

int loop_later(loop_t *l, unsigned ms, void (*fn)(loop_t *l, void *ctx), void *ctx)
{
    if (l->ntimers == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        timer *t = realloc(l->timers, cap * sizeof *t);
        if (!t)
            return ENOMEM;
        l->timers = t;
        l->cap = cap;
    }
    struct timespec due = now();
    due.tv_sec += ms / 1000;
    due.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (due.tv_nsec >= 1000000000L) {
        due.tv_sec++;
        due.tv_nsec -= 1000000000L;
    }
    l->timers[l->ntimers++] = (timer){ due, l->numbers++, fn, ctx };
    return 0;
}

/* The index of the first timer, by (due, number); -1: none. */
static long first_timer(loop_t *l, uint64_t below)
{
    long best = -1;
    for (size_t i = 0; i < l->ntimers; i++) {
        timer *t = &l->timers[i];
        if (t->number >= below)
            continue;
        if (best < 0 || cmp_ts(t->due, l->timers[best].due) < 0 ||
            (cmp_ts(t->due, l->timers[best].due) == 0 && t->number < l->timers[best].number))
            best = (long)i;
    }
    return best;
}

void loop_stop(loop_t *l)
{
    atomic_store(&l->stop, true);
    char c = 0;
    while (write(l->self[1], &c, 1) < 0 && errno == EINTR)
        ;
}

static void turn(loop_t *l)
{
    fd_set rd, wr;
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_SET(l->self[0], &rd);
    int maxfd = l->self[0];
    for (int fd = 0; fd < FD_SETSIZE; fd++) {
        slot *s = &l->fds[fd];
        if (!s->on)
            continue;
        if (s->reads)
            FD_SET(fd, &rd);
        if (s->writes)
            FD_SET(fd, &wr);
        if (fd > maxfd)
            maxfd = fd;
    }
    struct timeval tv, *tvp = NULL;
    long t = first_timer(l, UINT64_MAX);
    if (t >= 0) {
        struct timespec n = now(), d = l->timers[t].due;
        long long us = 0;
        if (cmp_ts(d, n) > 0)
            us = ((long long)(d.tv_sec - n.tv_sec) * 1000000000LL + (d.tv_nsec - n.tv_nsec) + 999) / 1000;
        tv.tv_sec = (time_t)(us / 1000000);
        tv.tv_usec = (suseconds_t)(us % 1000000);
        tvp = &tv;
    }
    uint64_t before = l->numbers;
    int n = select(maxfd + 1, &rd, &wr, NULL, tvp);
    if (n > 0 && FD_ISSET(l->self[0], &rd)) {
        char buf[64];
        while (read(l->self[0], buf, sizeof buf) > 0)
            ;
    }
    unsigned gens[FD_SETSIZE];
    for (int fd = 0; fd <= maxfd; fd++)
        gens[fd] = l->fds[fd].gen;
    for (int fd = 0; n > 0 && fd <= maxfd && !atomic_load(&l->stop); fd++) {
        slot *s = &l->fds[fd];
        if (s->on && s->gen == gens[fd] && FD_ISSET(fd, &wr) && s->on_writable)
            s->on_writable(l, fd, s->ctx);
        if (s->on && s->gen == gens[fd] && FD_ISSET(fd, &rd) && fd != l->self[0])
            s->on_readable(l, fd, s->ctx);
    }
    while (!atomic_load(&l->stop)) {
        long i = first_timer(l, before);
        if (i < 0 || cmp_ts(l->timers[i].due, now()) > 0)
            break;
        timer due = l->timers[i];
        l->timers[i] = l->timers[--l->ntimers];
        due.fn(l, due.ctx);
    }
}

void loop_run(loop_t *l)
{
    while (!atomic_load(&l->stop) && (l->watched > 0 || l->ntimers > 0))
        turn(l);
    atomic_store(&l->stop, false);
    char buf[64];
    while (read(l->self[0], buf, sizeof buf) > 0)
        ;
}

/* ---- the echo server ------------------------------------------------------------- */

static void drop(loop_t *l, int fd)
{
    loop_unwatch(l, fd);
    close(fd);
    free(l->peers[fd]->buf);
    free(l->peers[fd]);
    l->peers[fd] = NULL;
}

void loop_free(loop_t *l)
{
    if (!l)
        return;
    for (int fd = 0; fd < FD_SETSIZE; fd++)
        if (l->peers[fd])
            drop(l, fd);
    if (l->listener >= 0)
        close(l->listener);
    close(l->self[0]);
    close(l->self[1]);
    free(l->timers);
    free(l);
}

static void interest(loop_t *l, int fd)
{
    peer *p = l->peers[fd];
    l->fds[fd].reads = !p->closed && p->len < PENDING_MAX;
    l->fds[fd].writes = p->len > 0;
}

static void peer_write(loop_t *l, int fd, void *ctx)
{
    peer *p = ctx;
    size_t done = 0;
    while (done < p->len) {
        ssize_t k = send(fd, p->buf + done, p->len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && errno == EAGAIN)
            break;
        if (k <= 0) {
            drop(l, fd);
            return;
        }
        done += (size_t)k;
    }
    memmove(p->buf, p->buf + done, p->len - done);
    p->len -= done;
    if (p->closed && p->len == 0) {
        drop(l, fd);
        return;
    }
    interest(l, fd);
}

static void peer_read(loop_t *l, int fd, void *ctx)
{
    peer *p = ctx;
    if (p->cap < PENDING_MAX) {
        char *b = realloc(p->buf, PENDING_MAX);
        if (!b) {
            drop(l, fd);
            return;
        }
        p->buf = b;
        p->cap = PENDING_MAX;
    }
    while (p->len < p->cap) {
        ssize_t n = read(fd, p->buf + p->len, p->cap - p->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n < 0) {
            drop(l, fd);
            return;
        }
        if (n == 0) {
            p->closed = true;
            break;
        }
        p->len += (size_t)n;
    }
    peer_write(l, fd, p);
}

static void on_accept(loop_t *l, int fd, void *ctx)
{
    (void)ctx;
    for (;;) {
        int c = accept(fd, NULL, NULL);
        if (c < 0 && errno == EINTR)
            continue;
        if (c < 0)
            return;
        peer *p = calloc(1, sizeof *p);
        if (!p || c >= FD_SETSIZE || fcntl(c, F_SETFL, O_NONBLOCK) != 0 ||
            watch_both(l, c, peer_read, peer_write, p) != 0) {
            free(p);
            close(c);
            continue;
        }
        l->peers[c] = p;
    }
}

int loop_echo_listen(loop_t *l, uint16_t port, uint16_t *bound_port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return errno;
    int one = 1, err = 0;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 256) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        err = errno;
    else
        err = loop_watch(l, fd, on_accept, NULL);
    if (err) {
        close(fd);
        return err;
    }
    l->listener = fd;
    *bound_port = ntohs(a.sin_port);
    return 0;
}
