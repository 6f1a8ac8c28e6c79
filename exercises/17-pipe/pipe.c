/* pipe.c - lesson 17: a message channel over pipes. Your code goes here.
 *
 * Read README.md first, then the comments in pipe.h: they say exactly what
 * each function must do. Every function below is a stub that fails; replace
 * each one. Keep any helper function `static`.
 */
#include "pipe.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

struct chan {
    int unused; /* replace with what one end needs: its descriptors, ... */
};

int chan_pair(chan_t **a, chan_t **b)
{
    (void)a;
    (void)b;
    return ENOSYS; /* TODO: two pipes, one per direction; an end for each side */
}

int chan_send(chan_t *c, const void *msg, size_t len)
{
    (void)c;
    (void)msg;
    (void)len;
    return ENOSYS; /* TODO: the length, then the bytes; finish short writes */
}

ssize_t chan_recv(chan_t *c, void *buf, size_t cap)
{
    (void)c;
    (void)buf;
    (void)cap;
    errno = ENOSYS; /* TODO: the length, then exactly that many bytes */
    return -1;
}

void chan_close(chan_t *c)
{
    (void)c; /* TODO: close this end's descriptors, free it */
}
