/* BUG: the seed's first server (003): one acceptor thread starts a new
 * thread for every client, whatever `workers` says. Every client is served
 * at once and the pool is not a pool: threads are never reused.
 * expect: race timing */
#include "echo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 256

typedef struct conn {
    pthread_t thread;
    int fd;
} conn_t;

struct echo_server {
    int listen_fd;
    uint16_t port;
    pthread_mutex_t lock;
    bool stopping;
    pthread_t acceptor;
    conn_t conns[MAX_CLIENTS];
    size_t nconns;
};

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

static void *client_main(void *arg)
{
    int fd = *(int *)arg;
    char buf[16384];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || !send_all(fd, buf, (size_t)n))
            break;
    }
    shutdown(fd, SHUT_RDWR);
    return NULL;
}

static void *acceptor_main(void *arg)
{
    echo_server_t *s = arg;
    for (;;) {
        int fd = accept(s->listen_fd, NULL, NULL);
        pthread_mutex_lock(&s->lock);
        bool stop = s->stopping;
        if (fd >= 0 && (stop || s->nconns == MAX_CLIENTS)) {
            close(fd);
            fd = -1;
        }
        if (fd >= 0) {
            conn_t *c = &s->conns[s->nconns];
            c->fd = fd;
            if (pthread_create(&c->thread, NULL, client_main, &c->fd) == 0)
                s->nconns++;
            else
                close(fd);
        }
        pthread_mutex_unlock(&s->lock);
        if (stop)
            return NULL;
    }
}

echo_server_t *echo_start(uint16_t port, size_t workers)
{
    (void)workers; /* "threads are cheap" */
    echo_server_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    if (s->listen_fd < 0 ||
        setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(s->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(s->listen_fd, 64) != 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&a, &len) != 0) {
        if (s->listen_fd >= 0)
            close(s->listen_fd);
        free(s);
        return NULL;
    }
    s->port = ntohs(a.sin_port);
    pthread_mutex_init(&s->lock, NULL);
    if (pthread_create(&s->acceptor, NULL, acceptor_main, s) != 0) {
        close(s->listen_fd);
        pthread_mutex_destroy(&s->lock);
        free(s);
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
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    shutdown(s->listen_fd, SHUT_RDWR);
    for (size_t i = 0; i < s->nconns; i++)
        shutdown(s->conns[i].fd, SHUT_RDWR);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->acceptor, NULL);
    for (size_t i = 0; i < s->nconns; i++) {
        pthread_join(s->conns[i].thread, NULL);
        close(s->conns[i].fd);
    }
    close(s->listen_fd);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
