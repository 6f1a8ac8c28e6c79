/* A correct alternative in another style: no mutex at all. Each worker
 * waits in poll() on the listening socket (or its client) and on the read
 * end of a "wake" pipe; echo_stop sets an atomic flag and writes one byte
 * into the pipe, which stays readable, so every poll wakes. Sockets are
 * non-blocking: a worker never sleeps anywhere but in poll. */
#include "echo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

struct echo_server {
    int listen_fd;
    int wake[2]; /* wake[0] readable once echo_stop ran */
    uint16_t port;
    atomic_bool stopping;
    size_t nworkers;
    pthread_t *threads;
};

/* Waits until fd has `events` or the server stops; false: stopping. */
static bool wait_fd(echo_server_t *s, int fd, short events)
{
    for (;;) {
        if (atomic_load(&s->stopping))
            return false;
        struct pollfd p[2] = { { fd, events, 0 }, { s->wake[0], POLLIN, 0 } };
        int rc = poll(p, 2, -1);
        if (rc < 0 && errno != EINTR)
            return false;
        if (rc > 0 && (p[1].revents || atomic_load(&s->stopping)))
            return false;
        if (rc > 0 && p[0].revents)
            return true;
    }
}

static bool send_all(echo_server_t *s, int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k > 0) {
            p += k;
            n -= (size_t)k;
        } else if (k < 0 && errno == EINTR) {
            continue;
        } else if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!wait_fd(s, fd, POLLOUT))
                return false;
        } else {
            return false;
        }
    }
    return true;
}

static void serve(echo_server_t *s, int fd)
{
    char buf[4096];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
            if (!send_all(s, fd, buf, (size_t)n))
                return;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!wait_fd(s, fd, POLLIN))
                return;
        } else {
            return; /* 0: the client closed; or an error */
        }
    }
}

static void *worker_main(void *arg)
{
    echo_server_t *s = arg;
    while (wait_fd(s, s->listen_fd, POLLIN)) {
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0)
            continue; /* another worker took it, or EINTR */
        fcntl(fd, F_SETFL, O_NONBLOCK);
        serve(s, fd);
        close(fd);
    }
    return NULL;
}

static void teardown(echo_server_t *s)
{
    atomic_store(&s->stopping, true);
    ssize_t w;
    do
        w = write(s->wake[1], "x", 1);
    while (w < 0 && errno == EINTR);
    for (size_t i = 0; i < s->nworkers; i++)
        pthread_join(s->threads[i], NULL);
    close(s->wake[0]);
    close(s->wake[1]);
    close(s->listen_fd);
    free(s->threads);
    free(s);
}

echo_server_t *echo_start(uint16_t port, size_t workers)
{
    if (workers == 0)
        return NULL;
    echo_server_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->threads = calloc(workers, sizeof *s->threads);
    if (!s->threads || pipe(s->wake) != 0) {
        free(s->threads);
        free(s);
        return NULL;
    }
    s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    if (s->listen_fd < 0 ||
        setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(s->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        fcntl(s->listen_fd, F_SETFL, O_NONBLOCK) != 0 || listen(s->listen_fd, 64) != 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&a, &len) != 0) {
        if (s->listen_fd >= 0)
            close(s->listen_fd);
        close(s->wake[0]);
        close(s->wake[1]);
        free(s->threads);
        free(s);
        return NULL;
    }
    s->port = ntohs(a.sin_port);
    for (size_t i = 0; i < workers; i++) {
        if (pthread_create(&s->threads[i], NULL, worker_main, s) != 0) {
            teardown(s);
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
        teardown(s);
}
