/* test_support.h - lesson 15's test helpers, shared by the public tests,
 * the grader's hidden tests and test_remote.c: checks on the echo the
 * test's TCP clients got (the clients themselves, the tests' own sockets,
 * are grader/harness/tcpclient.h's), and the look at the server's
 * sockets. Tests only; nothing here is part of the lesson's API. The
 * helpers every lesson may use are in grader/harness/harness.h.
 */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include "echo.h"
#include "tcpclient.h" /* the tests' TCP clients (grader/harness) */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The engine's book of the server's sockets (grader/harness/intercept_io.c). */
typedef struct io_stats {
    uint64_t served_now, served_max, open_fds, sigpipe_writes, shorts, eintrs;
} io_stats;

#ifndef REMOTE_SUBJECT
#include "harness.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

/* Seeded short reads and writes, and EINTR, on the server's sockets. */
void io_faults(bool on);
io_stats io_look(void);
/* Every thread of the server sleeps in the kernel for quiet_ms in a row. */
bool io_quiet(unsigned quiet_ms, unsigned max_ms);

/* Checks one client's echo: all n bytes, each the one it sent. */
#define CHECK_ECHO(g, n, what)                                                              \
    do {                                                                                    \
        HARNESS_CHECK((g).bad == NO_BAD, "%s: byte %llu of the echo is not the byte the "  \
                      "client sent there (bytes lost, repeated, or another client's)",      \
                      what, (unsigned long long)(g).bad);                                    \
        HARNESS_CHECK((g).got == (n), "%s: the client sent %zu bytes but got %llu back (%s)", \
                      what, (size_t)(n), (unsigned long long)(g).got, got_end(&(g)));       \
    } while (0)

/* A started server or the test fails. */
static inline echo_server_t *start_ok(uint16_t port, size_t workers)
{
    echo_server_t *s = echo_start(port, workers);
    HARNESS_CHECK(s != NULL, "echo_start(%u, %zu) returned NULL", port, workers);
    return s;
}

/* A connected client or the test fails. */
static inline int connect_ok(echo_server_t *s, int rcvbuf)
{
    uint16_t port = echo_port(s);
    int fd = client_connect(port, rcvbuf);
    HARNESS_CHECK(fd != CLIENT_NO_SOCKET, "the grader could not make a client's socket (its "
                  "helper in your sandbox did not answer: was it killed?)");
    HARNESS_CHECK(fd >= 0, "a client could not connect to 127.0.0.1:%u (echo_port's port): "
                  "error %d", port, -fd);
    return fd;
}

/* The server's TCP sockets as the tests see them (the sandbox lists what
 * the processes on its network hold; the tests' own are left out): how
 * many are listening and how many are connections. False where that cannot
 * be told (no network namespace); a helper that does not answer fails the
 * test. */
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
    if (n > 64) /* more than we looked at: all counted as connections */
        *connections += n - 64;
    return n >= 0;
}

typedef struct stopper {
    echo_server_t *s;
    atomic_bool done;
} stopper;

static inline void *stop_body(void *p)
{
    stopper *st = p;
    echo_stop(st->s);
    atomic_store(&st->done, true);
    return NULL;
}

/* echo_stop(s) on a helper thread: the test fails when it has not returned
 * within ms (real time in which the machine ran the test: a stall watch
 * with nothing counted as progress; `while` says what the clients were
 * doing). Then
 * every thread echo_start started must have been joined and every
 * descriptor the server opened closed. */
static inline void stop_ok(echo_server_t *s, unsigned ms, const char *while_)
{
    static stopper st;
    st.s = s;
    atomic_store(&st.done, false);
    pthread_t t;
    harness_thread_start(&t, stop_body, &st);
    static atomic_long no_progress;
    long last;
    bool returned = harness_watch_progress(&st.done, &no_progress, ms, &last);
    HARNESS_CHECK(returned, "echo_stop did not return within %u ms %s: it must wake "
                  "every worker, whether it waits in accept or in a read of an idle client "
                  "(shutdown() the sockets: a close() does not wake a thread blocked in them)",
                  ms, while_);
    harness_thread_join(t);
    int left = harness_unjoined_threads();
    HARNESS_CHECK(left == 0, "echo_stop returned but %d thread%s started by echo_start %s never "
                  "joined: echo_stop must join every worker (pthread_join), not leave it "
                  "running or detach it", left, left == 1 ? "" : "s", left == 1 ? "was" : "were");
    int listening, connections;
    if (server_sockets(&listening, &connections))
        HARNESS_CHECK(listening + connections == 0, "echo_stop returned but %s still open "
                      "(%d listening, %d connection%s): close the listening socket and every "
                      "client's. Still open: %s",
                      listening ? "the listening socket is" : "client connections are",
                      listening, connections, connections == 1 ? "" : "s",
                      harness_fds_where(0));
    io_stats io = io_look();
    HARNESS_CHECK(io.open_fds == 0, "echo_stop returned but %llu descriptor%s the server opened "
                  "(sockets from socket() or accept(), pipes) %s still open: close the "
                  "listening socket and every client's. Still open: %s",
                  (unsigned long long)io.open_fds, io.open_fds == 1 ? "" : "s",
                  io.open_fds == 1 ? "is" : "are", harness_fds_where(0));
}
#endif

#endif
