/* snapshot_unlocked_writes.c - a correct alternative: hub_publish copies
 * the subscriber list under the lock and writes OUTSIDE it, so a
 * subscribe or unsubscribe never waits behind a long publish.
 *
 * The catch: a subscriber in a publisher's copy must not have its
 * descriptors closed (and their numbers handed to a new pipe) while the
 * publisher writes to them. Each subscriber counts the publishers that
 * hold it (`users`); hub_unsubscribe takes it out of the list, then waits
 * on a condition variable until no publisher uses it, and only then closes
 * its pipe. A subscriber added after the copy was made is not in it: it
 * gets no frame published before it joined.
 */
#include "broadcast.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SNAPSHOT_MAX 64 /* a copy on the stack; more subscribers: in parts */

typedef struct subscriber {
    int rfd, wfd;
    int users; /* publishers writing to it now */
} subscriber;

struct hub {
    pthread_mutex_t lock; /* guards subs, count and every users */
    pthread_cond_t unused; /* a subscriber's users fell to 0 */
    subscriber **subs;
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
    if (pthread_cond_init(&h->unused, NULL) != 0) {
        pthread_mutex_destroy(&h->lock);
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
        close(h->subs[i]->rfd);
        close(h->subs[i]->wfd);
        free(h->subs[i]);
    }
    free(h->subs);
    pthread_cond_destroy(&h->unused);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

int hub_subscribe(hub_t *h)
{
    subscriber *s = calloc(1, sizeof *s);
    int p[2];
    if (!s)
        return -1;
    if (pipe(p) != 0) {
        free(s);
        return -1;
    }
    int fl = fcntl(p[1], F_GETFL);
    if (fl == -1 || fcntl(p[1], F_SETFL, fl | O_NONBLOCK) == -1)
        goto fail;
    s->rfd = p[0];
    s->wfd = p[1];
    pthread_mutex_lock(&h->lock);
    if (h->count == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 8;
        subscriber **a = realloc(h->subs, cap * sizeof *a);
        if (!a) {
            pthread_mutex_unlock(&h->lock);
            goto fail;
        }
        h->subs = a;
        h->cap = cap;
    }
    h->subs[h->count++] = s;
    pthread_mutex_unlock(&h->lock);
    return p[0];

fail:
    close(p[0]);
    close(p[1]);
    free(s);
    return -1;
}

void hub_unsubscribe(hub_t *h, int fd)
{
    subscriber *gone = NULL;
    pthread_mutex_lock(&h->lock);
    for (size_t i = 0; i < h->count; i++) {
        if (h->subs[i]->rfd == fd) {
            gone = h->subs[i];
            memmove(&h->subs[i], &h->subs[i + 1], (h->count - i - 1) * sizeof h->subs[0]);
            h->count--;
            break;
        }
    }
    /* No new publisher can find it; wait for those writing to it. */
    while (gone && gone->users > 0)
        pthread_cond_wait(&h->unused, &h->lock);
    pthread_mutex_unlock(&h->lock);
    if (gone) {
        close(gone->rfd);
        close(gone->wfd);
        free(gone);
    }
}

/* Writes the frame to subscribers [from, from + SNAPSHOT_MAX) of the list
 * as it is now; sets *more when the list goes on. */
static size_t publish_part(hub_t *h, const unsigned char *buf, size_t n, size_t from,
                           int *more)
{
    subscriber *snap[SNAPSHOT_MAX];
    size_t k = 0, sent = 0;
    pthread_mutex_lock(&h->lock);
    for (size_t i = from; i < h->count && k < SNAPSHOT_MAX; i++) {
        snap[k] = h->subs[i];
        snap[k++]->users++;
    }
    *more = from + k < h->count;
    pthread_mutex_unlock(&h->lock);

    for (size_t i = 0; i < k; i++) {
        ssize_t w;
        while ((w = write(snap[i]->wfd, buf, n)) == -1 && errno == EINTR)
            ;
        if (w == (ssize_t)n)
            sent++;
    }

    pthread_mutex_lock(&h->lock);
    for (size_t i = 0; i < k; i++)
        if (--snap[i]->users == 0)
            pthread_cond_broadcast(&h->unused);
    pthread_mutex_unlock(&h->lock);
    return sent;
}

size_t hub_publish(hub_t *h, const void *frame, size_t len)
{
    unsigned char buf[PIPE_BUF];
    if (len > sizeof buf - sizeof len)
        return 0;
    memcpy(buf, &len, sizeof len);
    memcpy(buf + sizeof len, frame, len);
    size_t sent = 0;
    int more = 1;
    for (size_t from = 0; more; from += SNAPSHOT_MAX)
        sent += publish_part(h, buf, sizeof len + len, from, &more);
    return sent;
}
