/* test_support.h - lesson 21's test helpers, shared by the public tests,
 * the grader's hidden tests and test_remote.c: checks on what the test's
 * TCP clients got (the clients, the tests' own sockets, are
 * grader/harness/tcpclient.h's), pipes made in your process for
 * loop_watch, loop_run on a helper thread, and the look at your sockets.
 * Tests only; nothing here is part of the lesson's API. The helpers every
 * lesson may use are in grader/harness/harness.h.
 */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include "eventloop.h"
#include "tcpclient.h" /* the tests' TCP clients (grader/harness) */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The engine's book of the descriptors your code opened (intercept_io.c). */
typedef struct io_stats {
    uint64_t open_fds, shorts, eintrs, eagains;
} io_stats;

/* A pipe made in your process for the tests (not one your code opened). */
typedef struct test_pipe {
    int rd, wr;
} test_pipe;

#ifndef REMOTE_SUBJECT
#include "harness.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

/* ---- the tests' pipes, in your process ----------------------------------------- */

/* A non-blocking pipe; the test fails when it cannot be made. */
test_pipe pipe_make(void);
/* Writes n bytes into the pipe (its write end). */
void pipe_poke(int wr, unsigned n);
/* Reads everything waiting on a read end; how many bytes. */
long pipe_drain(int rd);
void pipe_close(test_pipe p);

/* Seeded short reads and writes, EINTR, and EAGAIN on your non-blocking sockets. */
void io_faults(bool on);
io_stats io_look(void);
/* How many calls the thread in loop_run made that would block (a blocking
 * read, recv, accept, write or send on a descriptor that was not ready),
 * and the first one's name in call[]. */
#define LOOP_CALL_NAME 128 /* "recv() at @HEX (blocked for N ms)" */
uint64_t loop_blocks(char call[LOOP_CALL_NAME]);
/* Your process's child processes now (running or exited, not reaped). */
int children_now(void);

/* Checks one client's echo: all n bytes, each the one it sent. */
#define CHECK_ECHO(g, n, what)                                                              \
    do {                                                                                    \
        HARNESS_CHECK((g).bad == NO_BAD, "%s: byte %llu of the echo is not the byte the "  \
                      "client sent there (bytes lost, repeated, or another client's: a "    \
                      "send that moved less than asked, or failed with EAGAIN, must keep "  \
                      "the rest for later)", what, (unsigned long long)(g).bad);             \
        HARNESS_CHECK((g).got == (n), "%s: the client sent %zu bytes but got %llu back (%s)", \
                      what, (size_t)(n), (unsigned long long)(g).got, got_end(&(g)));       \
    } while (0)

static inline double real_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* ---- the loop ------------------------------------------------------------------ */

static inline loop_t *new_ok(void)
{
    loop_t *l = loop_new();
    HARNESS_CHECK(l != NULL, "loop_new returned NULL");
    return l;
}

/* loop_run(l) on a helper thread, so that the test can play clients, stop
 * it, and fail with a message when it does not return. */
typedef struct runner {
    loop_t *l;
    pthread_t t;
    atomic_int thread; /* harness_thread_id() of the thread in loop_run */
    atomic_bool done;
} runner;

static inline void *run_body(void *p)
{
    runner *r = p;
    atomic_store(&r->thread, harness_thread_id());
    loop_run(r->l);
    atomic_store(&r->done, true);
    return NULL;
}

static inline void run_start(runner *r, loop_t *l)
{
    r->l = l;
    atomic_store(&r->thread, -1);
    atomic_store(&r->done, false);
    harness_thread_start(&r->t, run_body, r);
}

/* True when loop_run returned within ms (real time in which the machine
 * ran the test: a stall watch with nothing counted as progress); then
 * joined. */
static inline bool run_wait(runner *r, unsigned ms)
{
    static atomic_long no_progress;
    long last;
    if (!harness_watch_progress(&r->done, &no_progress, ms, &last))
        return false;
    harness_thread_join(r->t);
    return true;
}

/* loop_stop from the test's thread; loop_run must return within ms. */
static inline void stop_ok(runner *r, unsigned ms, const char *while_)
{
    loop_stop(r->l);
    HARNESS_CHECK(run_wait(r, ms), "loop_stop was called from another thread %s, but loop_run "
                  "had not returned %u ms later: a loop waiting in poll must be woken (a pipe "
                  "or eventfd the loop also polls, written by loop_stop; the flag itself "
                  "atomic)", while_, ms);
}

/* The loop's thread never made a call that waits for a descriptor that is
 * not ready: it would hold every other client and timer. */
static inline void never_blocked_ok(const char *while_)
{
    char call[LOOP_CALL_NAME];
    uint64_t n = loop_blocks(call);
    HARNESS_CHECK(n == 0, "%s, the loop's thread blocked in %s on a descriptor with nothing "
                  "ready (%llu such call%s): while it waits there no other client is served "
                  "and no timer runs. Make every descriptor the loop reads, writes or accepts "
                  "on non-blocking (SOCK_NONBLOCK, O_NONBLOCK), and go back to poll on EAGAIN",
                  while_, call, (unsigned long long)n, n == 1 ? "" : "s");
}

/* Your code started no thread (harness_threads_created counts them) and
 * has no child process, and the loop's thread never blocked. */
static inline void one_thread_ok(const char *while_)
{
    never_blocked_ok(while_);
    int kids = children_now();
    HARNESS_CHECK(kids == 0, "%s, your process had %d child process%s (fork): an event loop "
                  "does all its work on one thread of one process", while_, kids,
                  kids == 1 ? "" : "es");
    int n = harness_threads_created();
    HARNESS_CHECK(n == 0, "%s, your code started %d thread%s: an event loop does all its work "
                  "on the one thread that calls loop_run", while_, n, n == 1 ? "" : "s");
}

/* The server's TCP sockets as the sandbox sees them: listening and
 * connections. False where that cannot be told (no network namespace). */
static inline bool server_sockets(int *listening, int *connections)
{
    harness_net_held_socket held[64];
    int n = harness_net_held(held, 64);
    HARNESS_CHECK(n != HARNESS_NET_FAILED, "the grader could not list the server's sockets "
                  "(its helper in your sandbox did not answer: was it killed?)");
    *listening = *connections = 0;
    for (int i = 0; i < n && i < 64; i++) {
        if (held[i].state == HARNESS_TCP_LISTEN)
            ++*listening;
        else
            ++*connections;
    }
    if (n > 64)
        *connections += n - 64;
    return n >= 0;
}

/* loop_free, then nothing the loop opened may be left: no socket in the
 * sandbox, and the engine's count of open descriptors back to `before`
 * (taken before loop_new). */
static inline void free_ok(loop_t *l, uint64_t before)
{
    loop_free(l);
    int listening, connections;
    if (server_sockets(&listening, &connections))
        HARNESS_CHECK(listening + connections == 0, "loop_free returned but the echo server's "
                      "sockets are still open (%d listening, %d connection%s): loop_free "
                      "closes every descriptor the loop opened. Still open: %s", listening,
                      connections, connections == 1 ? "" : "s", harness_fds_where(0));
    io_stats io = io_look();
    HARNESS_CHECK(io.open_fds == before, "loop_free returned but %lld descriptor%s your loop "
                  "opened (sockets, pipes, eventfd, epoll) %s still open: loop_free closes "
                  "every one. Still open: %s", (long long)(io.open_fds - before),
                  io.open_fds - before == 1 ? "" : "s", io.open_fds - before == 1 ? "is" : "are",
                  harness_fds_where(0));
}

/* An echo server on l; its port. */
static inline uint16_t listen_ok(loop_t *l)
{
    uint16_t port = 0;
    int rc = loop_echo_listen(l, 0, &port);
    HARNESS_CHECK(rc == 0, "loop_echo_listen(l, 0, &port) returned %d, expected 0", rc);
    HARNESS_CHECK(port != 0, "loop_echo_listen(l, 0, &port) left port 0: store the port the "
                  "system picked (getsockname)");
    return port;
}

static inline int connect_ok(uint16_t port, int rcvbuf)
{
    int fd = client_connect(port, rcvbuf);
    HARNESS_CHECK(fd != CLIENT_NO_SOCKET, "the grader could not make a client's socket (its "
                  "helper in your sandbox did not answer: was it killed?)");
    HARNESS_CHECK(fd >= 0, "a client could not connect to 127.0.0.1:%u (the echo server's "
                  "port): error %d", port, -fd);
    return fd;
}
#endif

#endif
