/* BUG: the worker echoes through a second descriptor of its client's socket
 * (fcntl F_DUPFD_CLOEXEC: code that keeps a read side and a write side
 * does this) and closes only the first when the client leaves. The socket
 * stays open on the server's side (CLOSE_WAIT), one per client, until the
 * server can accept no more; echo_stop leaves them open too. Seen twice
 * over: by the engine's book of descriptors (fcntl's copies included) and
 * by the tests themselves, in the sandbox's table of the TCP sockets that
 * its processes hold.
 * expect: functional deadlock */
#include "echo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE 16384

typedef struct worker {
    echo_server_t *s;
    pthread_t thread;
    int client; /* the socket being served, -1: none (guarded by s->lock) */
} worker_t;

struct echo_server {
    int listen_fd;
    uint16_t port;
    pthread_mutex_t lock;
    bool stopping;      /* guarded by lock */
    size_t nworkers;    /* threads started */
    worker_t *workers;
};

/* Sends all n bytes: send may move fewer, or fail with EINTR before moving
 * any. MSG_NOSIGNAL: a client that left gives EPIPE, not a SIGPIPE that
 * would kill the whole server. Returns false when the client is gone. */
static bool send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        p += k;
        n -= (size_t)k;
    }
    return true;
}

/* Echoes one client until it closes its side (or leaves, or we stop). */
static void serve(int fd)
{
    char buf[BUF_SIZE];
    int out = fcntl(fd, F_DUPFD_CLOEXEC, 0); /* the write side */
    if (out < 0)
        return;
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || !send_all(out, buf, (size_t)n))
            return; /* BUG: `out` is never closed */
    }
}

/* Registers fd as w's client; false (fd closed) when the server stops. */
static bool take_client(worker_t *w, int fd)
{
    pthread_mutex_lock(&w->s->lock);
    bool ok = !w->s->stopping;
    if (ok)
        w->client = fd;
    pthread_mutex_unlock(&w->s->lock);
    if (!ok)
        close(fd);
    return ok;
}

static void drop_client(worker_t *w)
{
    pthread_mutex_lock(&w->s->lock);
    int fd = w->client;
    w->client = -1;
    pthread_mutex_unlock(&w->s->lock);
    close(fd);
}

static bool stopping(echo_server_t *s)
{
    pthread_mutex_lock(&s->lock);
    bool stop = s->stopping;
    pthread_mutex_unlock(&s->lock);
    return stop;
}

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    for (;;) {
        int fd = accept(w->s->listen_fd, NULL, NULL);
        if (fd < 0) {
            if (stopping(w->s))
                return NULL;
            continue; /* EINTR, ECONNABORTED, EMFILE...: the server goes on */
        }
        if (!take_client(w, fd))
            return NULL;
        serve(fd);
        drop_client(w);
    }
}

/* Wakes every worker: after this, no accept or recv of theirs sleeps. */
static void wake_all(echo_server_t *s)
{
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    shutdown(s->listen_fd, SHUT_RDWR);
    for (size_t i = 0; i < s->nworkers; i++)
        if (s->workers[i].client >= 0)
            shutdown(s->workers[i].client, SHUT_RDWR);
    pthread_mutex_unlock(&s->lock);
}

static void destroy(echo_server_t *s)
{
    wake_all(s);
    for (size_t i = 0; i < s->nworkers; i++)
        pthread_join(s->workers[i].thread, NULL);
    close(s->listen_fd);
    pthread_mutex_destroy(&s->lock);
    free(s->workers);
    free(s);
}

static int open_listener(uint16_t port, uint16_t *bound)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 64) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        close(fd);
        return -1;
    }
    *bound = ntohs(a.sin_port);
    return fd;
}

echo_server_t *echo_start(uint16_t port, size_t workers)
{
    if (workers == 0)
        return NULL;
    echo_server_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->workers = calloc(workers, sizeof *s->workers);
    s->listen_fd = s->workers ? open_listener(port, &s->port) : -1;
    if (s->listen_fd < 0) {
        free(s->workers);
        free(s);
        return NULL;
    }
    pthread_mutex_init(&s->lock, NULL);
    for (size_t i = 0; i < workers; i++) {
        worker_t *w = &s->workers[i];
        w->s = s;
        w->client = -1;
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            destroy(s); /* stops and joins the ones started */
            return NULL;
        }
        s->nworkers++;
    }
    return s;
}

uint16_t echo_port(echo_server_t *s)
{
    return s->port;
}

void echo_stop(echo_server_t *s)
{
    if (s)
        destroy(s);
}
