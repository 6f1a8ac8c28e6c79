/* echo.c - lesson 15: your solution goes here.
 *
 * Read README.md first. Each function below is a stub: replace its body.
 * Helpers you add must be `static`.
 */
#include "echo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

struct echo_server {
    int listen_fd;
    uint16_t port;
    /* TODO: the worker threads, a mutex, a "stopping" flag, and the socket
     * each worker is serving (so that echo_stop can wake it). */
};

echo_server_t *echo_start(uint16_t port, size_t workers)
{
    /* TODO: make a TCP socket (SO_REUSEADDR), bind it to 127.0.0.1:port,
     * listen, read the port back with getsockname, then start `workers`
     * threads. Each worker loops: accept a client, echo it until it closes
     * (recv until 0; send back ALL of what came: send may move less than
     * asked, and any call may fail with EINTR: try again), close it.
     * Use MSG_NOSIGNAL on send so a client that left cannot kill the server. */
    (void)port;
    (void)workers;
    return NULL;
}

uint16_t echo_port(echo_server_t *s)
{
    /* TODO: the port getsockname gave. */
    (void)s;
    return 0;
}

void echo_stop(echo_server_t *s)
{
    /* TODO: under the mutex set "stopping"; wake the workers: shutdown()
     * the listening socket (a close does not wake a thread in accept) and
     * every client socket a worker is serving (its recv then returns 0);
     * join the workers, close the listening socket, free the server. */
    (void)s;
}
