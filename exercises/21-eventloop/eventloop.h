/* eventloop.h - lesson 21: an event loop (Node.js, Nginx, libuv): one
 * thread waits for many descriptors and timers at once and calls back the
 * code that is interested, so one thread serves hundreds of clients.
 *
 *     loop_t *l = loop_new();
 *     loop_later(l, 1000, tick, NULL);        // tick(l, NULL) in 1 s
 *     loop_watch(l, fd, on_data, ctx);        // on_data(l, fd, ctx) when fd is readable
 *     loop_run(l);                            // until loop_stop, or nothing left
 *     loop_free(l);
 *
 * Every callback runs on the thread that called loop_run, one at a time.
 * Nothing may block that thread: not a read of a descriptor with nothing to
 * read, not a write to a client that does not read.
 *
 * The grader reads the lesson's API from this header: the functions declared
 * here are the only globals a student's file may define.
 */
#ifndef EVENTLOOP_H
#define EVENTLOOP_H

#include <stdint.h>

typedef struct loop loop_t;

/* A new loop with nothing watched and no timer; NULL when out of memory
 * or descriptors. */
loop_t *loop_new(void);

/* Frees the loop (not while loop_run runs). Closes every descriptor the
 * loop opened itself (its echo server's listening socket and clients, any
 * pipe it uses inside); descriptors given to loop_watch stay open: they
 * belong to the caller. Pending timers are dropped, never called. */
void loop_free(loop_t *l);

/* From now on, on_readable(l, fd, ctx) is called on the loop's thread each
 * turn in which fd is readable (level-triggered: again next turn if it is
 * still readable). Returns 0, or EEXIST when fd is already watched (the
 * first watch stays), or ENOMEM. */
int loop_watch(loop_t *l, int fd, void (*on_readable)(loop_t *l, int fd, void *ctx), void *ctx);

/* Stops watching fd, at once: even from a callback, an fd unwatched during
 * a turn gets no callback later in that turn. Does not close fd. Returns 0,
 * or ENOENT when fd is not watched. */
int loop_unwatch(loop_t *l, int fd);

/* fn(l, ctx) will be called once on the loop's thread, ms milliseconds
 * from now (CLOCK_MONOTONIC), no earlier, and on the first turn after that.
 * Timers run in due order; timers due at the same time in the order they
 * were added. 0 ms runs on the next turn (never in the turn that added it).
 * Returns 0, or ENOMEM. */
int loop_later(loop_t *l, unsigned ms, void (*fn)(loop_t *l, void *ctx), void *ctx);

/* Runs turns on the calling thread: wait (poll) until a watched fd is
 * readable or the next timer is due, never longer; call the callbacks.
 * Returns when loop_stop was called, or when nothing is watched and no
 * timer is pending. */
void loop_run(loop_t *l);  /* until loop_stop or nothing is watched or pending */

/* Makes loop_run return: from a callback, once that callback returns (no
 * further callback runs); from another thread, at once, even while the
 * loop waits for a descriptor. A stop made while loop_run is not running
 * makes the next loop_run return at once. The only call that may be made
 * from another thread. */
void loop_stop(loop_t *l);

/* An echo server on this loop: listens on 127.0.0.1:port (0: the system
 * picks one, stored in *bound_port), and from loop_run on, accepts clients
 * and sends back every byte each one sends, in order, on the loop's thread
 * only (no thread, no process). A client that sends but never reads must
 * not stall the others: what cannot be written yet is kept and written
 * when the client can take it. A client that closes its side gets the rest
 * of its echo, then the server closes it. Returns 0, or an errno value
 * (EADDRINUSE...) having left nothing open. */
int loop_echo_listen(loop_t *l, uint16_t port, uint16_t *bound_port);

#endif
