/* rwlock_list_writev.c - a correct alternative: the subscribers in a
 * linked list under a read-write lock, each frame sent with writev.
 *
 * Publishers take the lock for reading (several may publish at once: each
 * frame is one writev of at most PIPE_BUF bytes, which the kernel never
 * interleaves with another); subscribe and unsubscribe take it for
 * writing. writev sends the length and the payload from two buffers in ONE
 * call, all or nothing, with no copy into a frame buffer.
 */
#include "broadcast.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

typedef struct sub {
    int rfd, wfd;
    struct sub *next;
} sub;

struct hub {
    pthread_rwlock_t lock; /* readers: publishers; writer: the list changes */
    sub *head;
};

hub_t *hub_new(void)
{
    hub_t *h = malloc(sizeof *h);
    if (!h)
        return NULL;
    if (pthread_rwlock_init(&h->lock, NULL) != 0) {
        free(h);
        return NULL;
    }
    h->head = NULL;
    return h;
}

void hub_free(hub_t *h)
{
    if (!h)
        return;
    for (sub *s = h->head, *next; s; s = next) {
        next = s->next;
        close(s->rfd);
        close(s->wfd);
        free(s);
    }
    pthread_rwlock_destroy(&h->lock);
    free(h);
}

int hub_subscribe(hub_t *h)
{
    sub *s = malloc(sizeof *s);
    int p[2];
    if (!s)
        return -1;
    if (pipe2(p, O_CLOEXEC) != 0) {
        free(s);
        return -1;
    }
    if (fcntl(p[1], F_SETFL, O_NONBLOCK) == -1) {
        close(p[0]);
        close(p[1]);
        free(s);
        return -1;
    }
    s->rfd = p[0];
    s->wfd = p[1];
    pthread_rwlock_wrlock(&h->lock);
    s->next = h->head;
    h->head = s;
    pthread_rwlock_unlock(&h->lock);
    return p[0];
}

void hub_unsubscribe(hub_t *h, int fd)
{
    sub *gone = NULL;
    pthread_rwlock_wrlock(&h->lock);
    for (sub **pp = &h->head; *pp; pp = &(*pp)->next) {
        if ((*pp)->rfd == fd) {
            gone = *pp;
            *pp = gone->next;
            break;
        }
    }
    pthread_rwlock_unlock(&h->lock);
    if (gone) {
        close(gone->rfd);
        close(gone->wfd);
        free(gone);
    }
}

size_t hub_publish(hub_t *h, const void *frame, size_t len)
{
    if (len > PIPE_BUF - sizeof len)
        return 0;
    struct iovec iov[2] = { { &len, sizeof len }, { (void *)frame, len } };
    ssize_t whole = (ssize_t)(sizeof len + len);
    size_t sent = 0;
    pthread_rwlock_rdlock(&h->lock);
    for (sub *s = h->head; s; s = s->next) {
        ssize_t w;
        while ((w = writev(s->wfd, iov, 2)) == -1 && errno == EINTR)
            ;
        if (w == whole)
            sent++;
    }
    pthread_rwlock_unlock(&h->lock);
    return sent;
}
