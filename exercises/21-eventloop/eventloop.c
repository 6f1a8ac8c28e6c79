/* eventloop.c - lesson 21: your solution goes here.
 *
 * Read README.md first. Each function below is a stub: replace its body.
 * Helpers you add must be `static`.
 */
#include "eventloop.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct loop {
    atomic_bool stop;
    /* TODO: the watched fds (fd, callback, ctx; a way to tell that one was
     * unwatched during a turn), the timers ordered by (due time, the order
     * they were added), a pipe that loop_stop writes to wake poll, and the
     * echo server's listening socket and clients (each with the bytes not
     * sent yet). */
};

loop_t *loop_new(void)
{
    /* TODO: calloc the loop; pipe2(O_NONBLOCK) for the wake-up. */
    return NULL;
}

void loop_free(loop_t *l)
{
    /* TODO: close the echo server's sockets and the wake-up pipe (not the
     * fds given to loop_watch), free everything. */
    free(l);
}

int loop_watch(loop_t *l, int fd, void (*on_readable)(loop_t *l, int fd, void *ctx), void *ctx)
{
    /* TODO: EEXIST when fd is already watched; else remember it. */
    (void)l;
    (void)fd;
    (void)on_readable;
    (void)ctx;
    return ENOSYS;
}

int loop_unwatch(loop_t *l, int fd)
{
    /* TODO: ENOENT when fd is not watched; else forget it at once (a turn
     * in progress must not call it any more). */
    (void)l;
    (void)fd;
    return ENOSYS;
}

int loop_later(loop_t *l, unsigned ms, void (*fn)(loop_t *l, void *ctx), void *ctx)
{
    /* TODO: due = now (CLOCK_MONOTONIC) + ms; keep timers ordered by due
     * time, then by the order they were added. */
    (void)l;
    (void)ms;
    (void)fn;
    (void)ctx;
    return ENOSYS;
}

void loop_run(loop_t *l)
{
    /* TODO: until stopped, or nothing is watched and no timer pending:
     * poll the watched fds and the wake-up pipe, with the time until the
     * first timer as timeout (-1 when there is none); call on_readable for
     * each ready fd still watched; run the timers that are due and were
     * added before this turn. Clear the stop flag when you return. */
    (void)l;
}

void loop_stop(loop_t *l)
{
    /* TODO: set the (atomic) flag and write a byte to the wake-up pipe. */
    (void)l;
}

int loop_echo_listen(loop_t *l, uint16_t port, uint16_t *bound_port)
{
    /* TODO: a non-blocking TCP socket (SO_REUSEADDR) bound to
     * 127.0.0.1:port, listen, getsockname for *bound_port, watched by the
     * loop. Its callback accepts every waiting client (non-blocking); each
     * client's callback reads until EAGAIN, keeps what came, and sends what
     * the socket takes now (MSG_NOSIGNAL); the rest waits until the socket
     * is writable (poll with POLLOUT for it). Never wait for one client. */
    (void)l;
    (void)port;
    (void)bound_port;
    return ENOSYS;
}
