/* A correct alternative in another style: C11 <threads.h>, one acceptor
 * thread and `workers` workers fed through a bounded queue of accepted
 * sockets (accepted but not read yet: allowed to wait there). echo_stop
 * shuts the listening socket and every served client down, wakes the
 * waiting workers, joins everyone and closes what is left in the queue. */
#include "echo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <threads.h>
#include <unistd.h>

#define QUEUE_CAP 32

struct echo_server {
    int listen_fd;
    uint16_t port;
    mtx_t lock;
    cnd_t not_empty, not_full;
    bool stopping;
    int queue[QUEUE_CAP];
    size_t head, count;
    size_t nworkers;
    thrd_t acceptor;
    thrd_t *workers;
    int *serving; /* each worker's client, -1: none */
};

typedef struct worker_arg {
    echo_server_t *s;
    size_t index;
} worker_arg;

static int acceptor_main(void *arg)
{
    echo_server_t *s = arg;
    for (;;) {
        int fd = accept(s->listen_fd, NULL, NULL);
        mtx_lock(&s->lock);
        while (fd >= 0 && !s->stopping && s->count == QUEUE_CAP)
            cnd_wait(&s->not_full, &s->lock);
        if (s->stopping) {
            mtx_unlock(&s->lock);
            if (fd >= 0)
                close(fd);
            return 0;
        }
        if (fd >= 0) {
            s->queue[(s->head + s->count) % QUEUE_CAP] = fd;
            s->count++;
            cnd_signal(&s->not_empty);
        }
        mtx_unlock(&s->lock);
    }
}

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

static int worker_main(void *arg)
{
    worker_arg *w = arg;
    echo_server_t *s = w->s;
    size_t me = w->index;
    free(w);
    for (;;) {
        mtx_lock(&s->lock);
        while (!s->stopping && s->count == 0)
            cnd_wait(&s->not_empty, &s->lock);
        if (s->stopping) {
            mtx_unlock(&s->lock);
            return 0;
        }
        int fd = s->queue[s->head];
        s->head = (s->head + 1) % QUEUE_CAP;
        s->count--;
        s->serving[me] = fd;
        cnd_signal(&s->not_full);
        mtx_unlock(&s->lock);

        char buf[8192];
        for (;;) {
            ssize_t n = recv(fd, buf, sizeof buf, 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0 || !send_all(fd, buf, (size_t)n))
                break;
        }
        mtx_lock(&s->lock);
        s->serving[me] = -1;
        mtx_unlock(&s->lock);
        close(fd);
    }
}

static void stop_all(echo_server_t *s, bool acceptor_started)
{
    mtx_lock(&s->lock);
    s->stopping = true;
    shutdown(s->listen_fd, SHUT_RDWR);
    for (size_t i = 0; i < s->nworkers; i++)
        if (s->serving[i] >= 0)
            shutdown(s->serving[i], SHUT_RDWR);
    cnd_broadcast(&s->not_empty);
    cnd_broadcast(&s->not_full);
    mtx_unlock(&s->lock);
    if (acceptor_started)
        thrd_join(s->acceptor, NULL);
    for (size_t i = 0; i < s->nworkers; i++)
        thrd_join(s->workers[i], NULL);
    for (; s->count > 0; s->count--, s->head = (s->head + 1) % QUEUE_CAP)
        close(s->queue[s->head]);
    close(s->listen_fd);
    cnd_destroy(&s->not_empty);
    cnd_destroy(&s->not_full);
    mtx_destroy(&s->lock);
    free(s->workers);
    free(s->serving);
    free(s);
}

echo_server_t *echo_start(uint16_t port, size_t workers)
{
    if (workers == 0)
        return NULL;
    echo_server_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->workers = calloc(workers, sizeof *s->workers);
    s->serving = calloc(workers, sizeof *s->serving);
    s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    if (!s->workers || !s->serving || s->listen_fd < 0 ||
        setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(s->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(s->listen_fd, 64) != 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&a, &len) != 0) {
        if (s->listen_fd >= 0)
            close(s->listen_fd);
        free(s->workers);
        free(s->serving);
        free(s);
        return NULL;
    }
    s->port = ntohs(a.sin_port);
    mtx_init(&s->lock, mtx_plain);
    cnd_init(&s->not_empty);
    cnd_init(&s->not_full);
    for (size_t i = 0; i < workers; i++) {
        s->serving[i] = -1;
        worker_arg *w = malloc(sizeof *w);
        if (w)
            *w = (worker_arg){ s, i };
        if (!w || thrd_create(&s->workers[i], worker_main, w) != thrd_success) {
            free(w);
            stop_all(s, false);
            return NULL;
        }
        s->nworkers++;
    }
    if (thrd_create(&s->acceptor, acceptor_main, s) != thrd_success) {
        stop_all(s, false);
        return NULL;
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
        stop_all(s, true);
}
