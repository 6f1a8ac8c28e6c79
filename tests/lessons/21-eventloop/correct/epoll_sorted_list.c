/* A correct alternative in another style: epoll (level-triggered) instead
 * of poll, an eventfd for loop_stop's wake-up, and the timers in a sorted
 * linked list (a new timer goes after every timer due at or before it, so
 * equal due times keep the order they were added). A timer added during a
 * turn carries that turn's number and waits for the next. The echo server
 * keeps what a client cannot take yet without limit. */
#include "eventloop.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 256

typedef struct watch {
    int fd;
    bool dead;
    uint32_t events; /* EPOLLIN; for a client also EPOLLOUT while output waits */
    void (*on_readable)(loop_t *l, int fd, void *ctx);
    void *ctx;
    struct watch *next; /* all watches, dead ones until the turn ends */
} watch;

typedef struct timer {
    uint64_t due_ms, turn;
    void (*fn)(loop_t *l, void *ctx);
    void *ctx;
    struct timer *next;
} timer;

typedef struct client {
    int fd;
    char *out;
    size_t len, cap;
    bool eof;
    struct client *next;
} client;

struct loop {
    int ep, wake;
    atomic_bool stop;
    watch *watches;
    size_t live;
    timer *timers;
    uint64_t turn;
    int listener;
    client *clients;
};

static uint64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

loop_t *loop_new(void)
{
    loop_t *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->ep = epoll_create1(EPOLL_CLOEXEC);
    l->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
    if (l->ep < 0 || l->wake < 0 || epoll_ctl(l->ep, EPOLL_CTL_ADD, l->wake, &ev) != 0) {
        if (l->ep >= 0)
            close(l->ep);
        if (l->wake >= 0)
            close(l->wake);
        free(l);
        return NULL;
    }
    l->listener = -1;
    return l;
}

static watch *find(loop_t *l, int fd)
{
    for (watch *w = l->watches; w; w = w->next)
        if (!w->dead && w->fd == fd)
            return w;
    return NULL;
}

int loop_watch(loop_t *l, int fd, void (*on_readable)(loop_t *l, int fd, void *ctx), void *ctx)
{
    if (find(l, fd))
        return EEXIST;
    watch *w = calloc(1, sizeof *w);
    if (!w)
        return ENOMEM;
    w->fd = fd;
    w->on_readable = on_readable;
    w->ctx = ctx;
    w->events = EPOLLIN;
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = w };
    if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
        int err = errno;
        free(w);
        return err;
    }
    w->next = l->watches;
    l->watches = w;
    l->live++;
    return 0;
}

int loop_unwatch(loop_t *l, int fd)
{
    watch *w = find(l, fd);
    if (!w)
        return ENOENT;
    epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
    w->dead = true;
    l->live--;
    return 0;
}

static void free_dead(loop_t *l)
{
    watch **pp = &l->watches;
    while (*pp) {
        watch *w = *pp;
        if (w->dead) {
            *pp = w->next;
            free(w);
        } else {
            pp = &w->next;
        }
    }
}

int loop_later(loop_t *l, unsigned ms, void (*fn)(loop_t *l, void *ctx), void *ctx)
{
    timer *t = malloc(sizeof *t);
    if (!t)
        return ENOMEM;
    *t = (timer){ now_ms() + ms, l->turn, fn, ctx, NULL };
    timer **pp = &l->timers;
    while (*pp && (*pp)->due_ms <= t->due_ms)
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    return 0;
}

void loop_stop(loop_t *l)
{
    atomic_store(&l->stop, true);
    uint64_t one = 1;
    while (write(l->wake, &one, sizeof one) < 0 && errno == EINTR)
        ;
}

static void turn(loop_t *l)
{
    uint64_t this_turn = l->turn++;
    int timeout = -1;
    if (l->timers) {
        uint64_t now = now_ms();
        timeout = l->timers->due_ms <= now ? 0 : (int)(l->timers->due_ms - now);
    }
    struct epoll_event ev[MAX_EVENTS];
    int n = epoll_wait(l->ep, ev, MAX_EVENTS, timeout);
    for (int i = 0; i < n && !atomic_load(&l->stop); i++) {
        watch *w = ev[i].data.ptr;
        if (!w) {
            uint64_t v;
            while (read(l->wake, &v, sizeof v) < 0 && errno == EINTR)
                ;
            continue;
        }
        if (!w->dead)
            w->on_readable(l, w->fd, w->ctx);
    }
    uint64_t now = now_ms();
    while (l->timers && !atomic_load(&l->stop) && l->timers->due_ms <= now) {
        timer **pp = &l->timers;
        while (*pp && (*pp)->due_ms <= now && (*pp)->turn > this_turn)
            pp = &(*pp)->next; /* added during this turn: next one */
        timer *t = *pp;
        if (!t || t->due_ms > now)
            break;
        *pp = t->next;
        t->fn(l, t->ctx);
        free(t);
    }
    free_dead(l);
}

void loop_run(loop_t *l)
{
    while (!atomic_load(&l->stop) && (l->live > 0 || l->timers))
        turn(l);
    atomic_store(&l->stop, false);
    uint64_t v;
    while (read(l->wake, &v, sizeof v) > 0)
        ;
}

/* ---- the echo server ------------------------------------------------------------- */

static void client_drop(loop_t *l, client *c)
{
    loop_unwatch(l, c->fd);
    close(c->fd);
    for (client **pp = &l->clients; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    free(c->out);
    free(c);
}

void loop_free(loop_t *l)
{
    if (!l)
        return;
    while (l->clients)
        client_drop(l, l->clients);
    if (l->listener >= 0)
        close(l->listener);
    free_dead(l);
    while (l->watches) {
        watch *w = l->watches;
        l->watches = w->next;
        free(w);
    }
    while (l->timers) {
        timer *t = l->timers;
        l->timers = t->next;
        free(t);
    }
    close(l->wake);
    close(l->ep);
    free(l);
}

/* Waits for the client to be writable while output is pending, and to be
 * readable until it closed its side. */
static void want(loop_t *l, client *c)
{
    watch *w = find(l, c->fd);
    uint32_t events = (c->eof ? 0 : EPOLLIN) | (c->len > 0 ? EPOLLOUT : 0);
    if (!w || w->events == events)
        return;
    w->events = events;
    struct epoll_event ev = { .events = events, .data.ptr = w };
    epoll_ctl(l->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Sends what is pending; false when the client is gone (dropped). */
static bool flush(loop_t *l, client *c)
{
    size_t off = 0;
    while (off < c->len) {
        ssize_t k = send(c->fd, c->out + off, c->len - off, MSG_NOSIGNAL);
        if (k > 0)
            off += (size_t)k;
        else if (k < 0 && errno == EINTR)
            continue;
        else if (k < 0 && errno == EAGAIN)
            break;
        else {
            client_drop(l, c);
            return false;
        }
    }
    memmove(c->out, c->out + off, c->len - off);
    c->len -= off;
    if (c->len == 0 && c->eof) {
        client_drop(l, c);
        return false;
    }
    want(l, c);
    return true;
}

/* Readable or writable: read what came (unless at its end), then send. */
static void on_client(loop_t *l, int fd, void *ctx)
{
    client *c = ctx;
    char buf[8192];
    while (!c->eof) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n <= 0) {
            if (n < 0) {
                client_drop(l, c);
                return;
            }
            c->eof = true;
            break;
        }
        if (c->len + (size_t)n > c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 16384;
            while (cap < c->len + (size_t)n)
                cap *= 2;
            char *p = realloc(c->out, cap);
            if (!p) {
                client_drop(l, c);
                return;
            }
            c->out = p;
            c->cap = cap;
        }
        memcpy(c->out + c->len, buf, (size_t)n);
        c->len += (size_t)n;
    }
    flush(l, c);
}

static void on_listener(loop_t *l, int fd, void *ctx)
{
    (void)ctx;
    for (;;) {
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0 && errno == EINTR)
            continue;
        if (cfd < 0)
            return;
        client *c = calloc(1, sizeof *c);
        if (!c || loop_watch(l, cfd, on_client, c) != 0) {
            free(c);
            close(cfd);
            continue;
        }
        c->fd = cfd;
        c->next = l->clients;
        l->clients = c;
    }
}

int loop_echo_listen(loop_t *l, uint16_t port, uint16_t *bound_port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return errno;
    int one = 1, err;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 512) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        err = errno;
    else
        err = loop_watch(l, fd, on_listener, NULL);
    if (err) {
        close(fd);
        return err;
    }
    l->listener = fd;
    *bound_port = ntohs(a.sin_port);
    return 0;
}
