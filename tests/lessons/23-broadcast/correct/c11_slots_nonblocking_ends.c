/* c11_slots_nonblocking_ends.c - a correct alternative: C11 threads'
 * mtx_t, a fixed table of subscriber slots (no realloc), and pipes made
 * with pipe2(O_NONBLOCK) (both ends non-blocking: a subscriber then polls
 * before it reads, which the contract allows).
 *
 * A free slot has rfd == -1. The table holds as many subscribers as a
 * process may have pipes open; beyond it hub_subscribe returns -1.
 */
#include "broadcast.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>
#include <unistd.h>

#define SLOTS 512

struct hub {
    mtx_t lock; /* guards slots */
    struct {
        int rfd, wfd;
    } slots[SLOTS];
};

hub_t *hub_new(void)
{
    hub_t *h = malloc(sizeof *h);
    if (!h)
        return NULL;
    if (mtx_init(&h->lock, mtx_plain) != thrd_success) {
        free(h);
        return NULL;
    }
    for (int i = 0; i < SLOTS; i++)
        h->slots[i].rfd = h->slots[i].wfd = -1;
    return h;
}

void hub_free(hub_t *h)
{
    if (!h)
        return;
    for (int i = 0; i < SLOTS; i++) {
        if (h->slots[i].rfd != -1) {
            close(h->slots[i].rfd);
            close(h->slots[i].wfd);
        }
    }
    mtx_destroy(&h->lock);
    free(h);
}

int hub_subscribe(hub_t *h)
{
    int p[2];
    if (pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0)
        return -1;
    mtx_lock(&h->lock);
    for (int i = 0; i < SLOTS; i++) {
        if (h->slots[i].rfd == -1) {
            h->slots[i].rfd = p[0];
            h->slots[i].wfd = p[1];
            mtx_unlock(&h->lock);
            return p[0];
        }
    }
    mtx_unlock(&h->lock);
    close(p[0]); /* the table is full */
    close(p[1]);
    return -1;
}

void hub_unsubscribe(hub_t *h, int fd)
{
    int rfd = -1, wfd = -1;
    mtx_lock(&h->lock);
    for (int i = 0; i < SLOTS && rfd == -1; i++) {
        if (h->slots[i].rfd == fd) {
            rfd = h->slots[i].rfd;
            wfd = h->slots[i].wfd;
            h->slots[i].rfd = h->slots[i].wfd = -1;
        }
    }
    mtx_unlock(&h->lock);
    if (rfd != -1) {
        close(rfd);
        close(wfd);
    }
}

size_t hub_publish(hub_t *h, const void *frame, size_t len)
{
    unsigned char buf[PIPE_BUF];
    if (len > sizeof buf - sizeof len)
        return 0;
    memcpy(buf, &len, sizeof len);
    memcpy(buf + sizeof len, frame, len);
    size_t n = sizeof len + len, sent = 0;
    mtx_lock(&h->lock);
    for (int i = 0; i < SLOTS; i++) {
        if (h->slots[i].wfd == -1)
            continue;
        ssize_t w;
        while ((w = write(h->slots[i].wfd, buf, n)) == -1 && errno == EINTR)
            ;
        sent += w == (ssize_t)n; /* EAGAIN: full, this one skips the frame */
    }
    mtx_unlock(&h->lock);
    return sent;
}
