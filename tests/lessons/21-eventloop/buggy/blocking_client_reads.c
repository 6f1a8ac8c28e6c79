/* BUG: client sockets are left blocking (no SOCK_NONBLOCK on accept4)
 * and read "until EAGAIN": on a blocking socket the last recv never says
 * EAGAIN, it waits for the client's next bytes, holding the loop's thread:
 * a client that sent part of a message and waits stalls everyone.
 * expect: deadlock
 * says: blocked in recv() at eventloop.c:390 */
#include "eventloop.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define OUT_MAX (256u * 1024)
#define CHUNK 16384

typedef void (*read_fn)(loop_t *l, int fd, void *ctx);
typedef void (*timer_fn)(loop_t *l, void *ctx);

typedef struct watch {
    int fd;
    short events;     /* POLLIN, and POLLOUT for the echo's full clients */
    bool dead;        /* unwatched: no more callbacks */
    read_fn on_readable;
    read_fn on_writable; /* the echo's own sockets only */
    void *ctx;
} watch;

typedef struct timer {
    uint64_t due_ns, seq;
    timer_fn fn;
    void *ctx;
} timer;

typedef struct conn {
    int fd;
    char *out;
    size_t len, cap;
    bool eof; /* the client closed its side: close once out is empty */
    struct conn *next;
} conn;

struct loop {
    watch **w;
    size_t nw, capw;
    timer *heap;
    size_t nt, capt;
    uint64_t next_seq;
    int wake[2];
    atomic_bool stop;
    int listen_fd;
    conn *conns;
};

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* ---- watches ------------------------------------------------------------------ */

static watch *find_watch(loop_t *l, int fd)
{
    for (size_t i = 0; i < l->nw; i++)
        if (!l->w[i]->dead && l->w[i]->fd == fd)
            return l->w[i];
    return NULL;
}

static int add_watch(loop_t *l, int fd, short events, read_fn on_readable, void *ctx)
{
    if (find_watch(l, fd))
        return EEXIST;
    if (l->nw == l->capw) {
        size_t cap = l->capw ? 2 * l->capw : 16;
        watch **w = realloc(l->w, cap * sizeof *w);
        if (!w)
            return ENOMEM;
        l->w = w;
        l->capw = cap;
    }
    watch *w = calloc(1, sizeof *w);
    if (!w)
        return ENOMEM;
    *w = (watch){ .fd = fd, .events = events, .on_readable = on_readable, .ctx = ctx };
    l->w[l->nw++] = w;
    return 0;
}

/* Frees the dead watches (between turns: no list of ready ones holds them). */
static void sweep_watches(loop_t *l)
{
    size_t k = 0;
    for (size_t i = 0; i < l->nw; i++) {
        if (l->w[i]->dead)
            free(l->w[i]);
        else
            l->w[k++] = l->w[i];
    }
    l->nw = k;
}

int loop_watch(loop_t *l, int fd, read_fn on_readable, void *ctx)
{
    return add_watch(l, fd, POLLIN, on_readable, ctx);
}

int loop_unwatch(loop_t *l, int fd)
{
    watch *w = find_watch(l, fd);
    if (!w)
        return ENOENT;
    w->dead = true;
    return 0;
}

/* ---- timers: a binary heap ordered by (due, seq) --------------------------------- */

static bool before(const timer *a, const timer *b)
{
    return a->due_ns != b->due_ns ? a->due_ns < b->due_ns : a->seq < b->seq;
}

static void swap(timer *a, timer *b)
{
    timer t = *a;
    *a = *b;
    *b = t;
}

int loop_later(loop_t *l, unsigned ms, timer_fn fn, void *ctx)
{
    if (l->nt == l->capt) {
        size_t cap = l->capt ? 2 * l->capt : 16;
        timer *h = realloc(l->heap, cap * sizeof *h);
        if (!h)
            return ENOMEM;
        l->heap = h;
        l->capt = cap;
    }
    size_t i = l->nt++;
    l->heap[i] = (timer){ now_ns() + (uint64_t)ms * 1000000u, l->next_seq++, fn, ctx };
    while (i > 0 && before(&l->heap[i], &l->heap[(i - 1) / 2])) {
        swap(&l->heap[i], &l->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    return 0;
}

static timer pop_timer(loop_t *l)
{
    timer top = l->heap[0];
    l->heap[0] = l->heap[--l->nt];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= l->nt)
            break;
        if (c + 1 < l->nt && before(&l->heap[c + 1], &l->heap[c]))
            c++;
        if (!before(&l->heap[c], &l->heap[i]))
            break;
        swap(&l->heap[c], &l->heap[i]);
        i = c;
    }
    return top;
}

/* ---- the loop ------------------------------------------------------------------ */

loop_t *loop_new(void)
{
    loop_t *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    if (pipe2(l->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
        free(l);
        return NULL;
    }
    l->listen_fd = -1;
    atomic_init(&l->stop, false);
    return l;
}

static void conn_close(loop_t *l, conn *c);

void loop_free(loop_t *l)
{
    if (!l)
        return;
    while (l->conns)
        conn_close(l, l->conns);
    if (l->listen_fd >= 0)
        close(l->listen_fd);
    for (size_t i = 0; i < l->nw; i++)
        free(l->w[i]);
    free(l->w);
    free(l->heap);
    close(l->wake[0]);
    close(l->wake[1]);
    free(l);
}

void loop_stop(loop_t *l)
{
    atomic_store(&l->stop, true);
    char b = 1;
    ssize_t n;
    do
        n = write(l->wake[1], &b, 1); /* full pipe (EAGAIN): a wake-up is pending anyway */
    while (n < 0 && errno == EINTR);
}

static void drain_wake(loop_t *l)
{
    char buf[64];
    ssize_t n;
    do
        n = read(l->wake[0], buf, sizeof buf);
    while (n > 0 || (n < 0 && errno == EINTR));
}

/* Milliseconds poll may wait: until the first timer is due (rounded up),
 * or forever (-1) when there is none. */
static int poll_timeout(loop_t *l)
{
    if (l->nt == 0)
        return -1;
    uint64_t now = now_ns();
    if (l->heap[0].due_ns <= now)
        return 0;
    uint64_t ms = (l->heap[0].due_ns - now + 999999u) / 1000000u;
    return ms > 60000 ? 60000 : (int)ms;
}

typedef struct ready_watch {
    watch *w;
    short revents;
} ready_watch;

/* One turn; false when poll failed for good. */
static bool turn(loop_t *l)
{
    uint64_t first_new = l->next_seq; /* timers from here on wait for the next turn */
    size_t n = l->nw;
    struct pollfd *p = calloc(n + 1, sizeof *p);
    ready_watch *ready = calloc(n + 1, sizeof *ready);
    if (!p || !ready) {
        free(p);
        free(ready);
        return false;
    }
    p[0] = (struct pollfd){ l->wake[0], POLLIN, 0 };
    for (size_t i = 0; i < n; i++)
        p[i + 1] = (struct pollfd){ l->w[i]->fd, l->w[i]->events, 0 };
    int rc = poll(p, n + 1, poll_timeout(l));
    if (rc < 0 && errno != EINTR) {
        free(p);
        free(ready);
        return false;
    }
    if (rc > 0 && p[0].revents)
        drain_wake(l);
    size_t k = 0;
    for (size_t i = 0; rc > 0 && i < n; i++)
        if (p[i + 1].revents)
            ready[k++] = (ready_watch){ l->w[i], p[i + 1].revents };
    free(p);
    for (size_t i = 0; i < k && !atomic_load(&l->stop); i++) {
        watch *w = ready[i].w;
        short ev = ready[i].revents;
        if (!w->dead && w->on_writable && (ev & (POLLOUT | POLLERR | POLLHUP)))
            w->on_writable(l, w->fd, w->ctx);
        if (!w->dead && (w->events & POLLIN) && (ev & (POLLIN | POLLERR | POLLHUP)))
            w->on_readable(l, w->fd, w->ctx);
    }
    free(ready);
    uint64_t now = now_ns();
    while (l->nt > 0 && !atomic_load(&l->stop) && l->heap[0].due_ns <= now &&
           l->heap[0].seq < first_new) {
        timer t = pop_timer(l);
        t.fn(l, t.ctx);
    }
    sweep_watches(l);
    return true;
}

void loop_run(loop_t *l)
{
    sweep_watches(l);
    while (!atomic_load(&l->stop) && (l->nw > 0 || l->nt > 0)) {
        if (!turn(l))
            break;
    }
    atomic_store(&l->stop, false);
    drain_wake(l);
}

/* ---- the echo server ------------------------------------------------------------- */

static void conn_close(loop_t *l, conn *c)
{
    loop_unwatch(l, c->fd);
    close(c->fd);
    for (conn **pp = &l->conns; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    free(c->out);
    free(c);
}

/* What the loop waits for on c: writable while output waits, readable
 * while the client may still send and the buffer has room. */
static void conn_interest(loop_t *l, conn *c)
{
    watch *w = find_watch(l, c->fd);
    if (w)
        w->events = (short)((c->len > 0 ? POLLOUT : 0) | (!c->eof && c->len < OUT_MAX ? POLLIN : 0));
}

/* Sends what c->out holds until the socket is full (EAGAIN) or it is
 * empty. False when the client is gone (c is then closed). */
static bool conn_flush(loop_t *l, conn *c)
{
    size_t off = 0;
    while (off < c->len) {
        ssize_t k = send(c->fd, c->out + off, c->len - off, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (k <= 0) {
            conn_close(l, c);
            return false;
        }
        off += (size_t)k;
    }
    memmove(c->out, c->out + off, c->len - off);
    c->len -= off;
    if (c->eof && c->len == 0) {
        conn_close(l, c);
        return false;
    }
    conn_interest(l, c);
    return true;
}

static bool conn_keep(conn *c, const char *buf, size_t n)
{
    if (c->len + n > c->cap) {
        size_t cap = c->cap ? c->cap : CHUNK;
        while (cap < c->len + n)
            cap *= 2;
        char *out = realloc(c->out, cap);
        if (!out)
            return false;
        c->out = out;
        c->cap = cap;
    }
    memcpy(c->out + c->len, buf, n);
    c->len += n;
    return true;
}

static void on_client_writable(loop_t *l, int fd, void *ctx)
{
    (void)fd;
    conn_flush(l, ctx);
}

/* Reads what the client sent (until EAGAIN or the buffer is full), keeps
 * it, and echoes what the socket takes now. */
static void on_client_readable(loop_t *l, int fd, void *ctx)
{
    conn *c = ctx;
    char buf[CHUNK];
    while (c->len < OUT_MAX) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n < 0) {
            conn_close(l, c); /* reset: nobody to echo to */
            return;
        }
        if (n == 0) {
            c->eof = true;
            break;
        }
        if (!conn_keep(c, buf, (size_t)n)) {
            conn_close(l, c);
            return;
        }
    }
    conn_flush(l, c);
}

static void on_listener_readable(loop_t *l, int fd, void *ctx)
{
    (void)ctx;
    for (;;) {
        int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        if (cfd < 0 && errno == EINTR)
            continue;
        if (cfd < 0)
            return; /* EAGAIN: all taken; EMFILE, ECONNABORTED...: the server goes on */
        conn *c = calloc(1, sizeof *c);
        if (!c || add_watch(l, cfd, POLLIN, on_client_readable, c) != 0) {
            free(c);
            close(cfd);
            continue;
        }
        find_watch(l, cfd)->on_writable = on_client_writable;
        c->fd = cfd;
        c->next = l->conns;
        l->conns = c;
    }
}

int loop_echo_listen(loop_t *l, uint16_t port, uint16_t *bound_port)
{
    if (l->listen_fd >= 0)
        return EBUSY;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return errno;
    int one = 1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    int err = 0;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, SOMAXCONN) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        err = errno;
    else
        err = add_watch(l, fd, POLLIN, on_listener_readable, NULL);
    if (err) {
        close(fd);
        return err;
    }
    l->listen_fd = fd;
    if (bound_port)
        *bound_port = ntohs(a.sin_port);
    return 0;
}
