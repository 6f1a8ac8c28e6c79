/* BUG: the length and the payload go in two writes, as the seed's
 * os.write(pipe, n); os.write(pipe, frame): when the pipe fills between
 * them the second fails with EAGAIN and the subscriber is left with a
 * length without its payload (a torn frame); its next frame is misread.
 * expect: functional */
#include "broadcast.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct subscriber {
    int rfd; /* the subscriber's end, returned by hub_subscribe */
    int wfd; /* ours, non-blocking */
} subscriber;

struct hub {
    pthread_mutex_t lock; /* guards subs and count */
    subscriber *subs;
    size_t count, cap;
};

hub_t *hub_new(void)
{
    hub_t *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    if (pthread_mutex_init(&h->lock, NULL) != 0) {
        free(h);
        return NULL;
    }
    return h;
}

void hub_free(hub_t *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->count; i++) {
        close(h->subs[i].rfd);
        close(h->subs[i].wfd);
    }
    free(h->subs);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

int hub_subscribe(hub_t *h)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    /* Only our end is non-blocking: the subscriber may wait in read(). */
    int fl = fcntl(p[1], F_GETFL);
    if (fl == -1 || fcntl(p[1], F_SETFL, fl | O_NONBLOCK) == -1)
        goto fail;

    pthread_mutex_lock(&h->lock);
    if (h->count == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 8;
        subscriber *s = realloc(h->subs, cap * sizeof *s);
        if (!s) {
            pthread_mutex_unlock(&h->lock);
            goto fail;
        }
        h->subs = s;
        h->cap = cap;
    }
    h->subs[h->count++] = (subscriber){ p[0], p[1] };
    pthread_mutex_unlock(&h->lock);
    return p[0];

fail:
    close(p[0]);
    close(p[1]);
    return -1;
}

void hub_unsubscribe(hub_t *h, int fd)
{
    subscriber gone = { -1, -1 };
    pthread_mutex_lock(&h->lock);
    for (size_t i = 0; i < h->count; i++) {
        if (h->subs[i].rfd == fd) {
            gone = h->subs[i];
            h->subs[i] = h->subs[--h->count]; /* order does not matter */
            break;
        }
    }
    pthread_mutex_unlock(&h->lock);
    /* Out of the list: no publish can write to it any more. */
    if (gone.rfd != -1) {
        close(gone.rfd);
        close(gone.wfd);
    }
}

size_t hub_publish(hub_t *h, const void *frame, size_t len)
{
    unsigned char buf[PIPE_BUF];
    if (len > sizeof buf - sizeof len)
        return 0; /* the caller's error: it could not go out whole */
    memcpy(buf, &len, sizeof len);
    memcpy(buf + sizeof len, frame, len);
    size_t sent = 0;

    pthread_mutex_lock(&h->lock);
    for (size_t i = 0; i < h->count; i++) {
        /* The length first, then the payload. */
        if (write(h->subs[i].wfd, buf, sizeof len) != (ssize_t)sizeof len)
            continue;
        if (write(h->subs[i].wfd, buf + sizeof len, len) == (ssize_t)len)
            sent++;
    }
    pthread_mutex_unlock(&h->lock);
    return sent;
}
