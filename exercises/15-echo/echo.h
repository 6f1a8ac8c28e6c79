/* echo.h - lesson 15: a TCP echo server on a fixed pool of threads, like
 * the seed's ThreadPoolExecutor(10) server: every byte a client sends comes
 * back to it, unchanged and in order.
 *
 * echo_port may be called from any thread; echo_stop once, by one thread,
 * after which the server is gone.
 */
#ifndef ECHO_H
#define ECHO_H

#include <stdint.h>
#include <stddef.h>

typedef struct echo_server echo_server_t;

/* Starts a server listening on 127.0.0.1:port (port 0: the system picks a
 * free one) with exactly `workers` threads serving clients. A client is
 * "served" from the moment the server first reads from it; at most
 * `workers` clients are served at once, the others wait (in the listen
 * backlog, or accepted but not read yet) and are served as soon as a
 * worker is free. Each served client gets back every byte it sends, in
 * order, until it closes its side; then the server closes the connection.
 * A client that disconnects mid-message, or stops reading, never kills the
 * server (no SIGPIPE) and never stops it serving the others. Returns NULL
 * (having left no thread running and no descriptor open) when the port
 * cannot be used or a resource runs out. */
echo_server_t *echo_start(uint16_t port, size_t workers);

/* The port the server listens on (the one the system picked for port 0). */
uint16_t echo_port(echo_server_t *s);

/* Stops accepting, closes every client connection (even idle ones whose
 * worker waits in a read), joins every thread and frees the server.
 * Returns within about 100 ms even while clients are connected, and leaves
 * no descriptor open. */
void echo_stop(echo_server_t *s); /* stop accepting, close clients, join, free */

#endif
