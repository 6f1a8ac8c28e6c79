/* test_hidden.c - lesson 15's hidden tests (not in the student handout).
 * Helpers: grader/harness/harness.h and exercises/15-echo/test_support.h.
 *
 * How each bug class is caught, every run:
 *   - one call assumed to move everything, EINTR taken for an error: the
 *     engine (intercept_io.c) makes the first read and write of every
 *     client short and the second fail with EINTR, and the first accept
 *     fail with EINTR (echo_large_partial, many_clients_in_turn,
 *     client_leaves_mid_message);
 *   - more than `workers` clients served, or fewer than a free worker
 *     could: the engine counts clients from their first read to their close
 *     (at_most_workers_served, noise off: once every thread sleeps, a
 *     thread about to read has read); a thread per client: threads counted
 *     (many_clients_in_turn);
 *   - SIGPIPE: each write that could raise it is counted while a client
 *     leaves mid-message (client_leaves_mid_message), and the client
 *     really leaves with a reset;
 *   - echo_stop that hangs: idle clients held by the test, or no client
 *     at all (stop_with_idle_clients, stop_idle_server); one that waits for
 *     a poll timeout: stopped just after the workers' polls began, it
 *     takes nearly the whole timeout (stop_is_prompt);
 *   - fd and thread leaks: the engine's book of the descriptors the
 *     server opened, harness_unjoined_threads (after every echo_stop), and
 *     clients that left must have been closed (closes_clients_that_leave).
 */
#include "harness.h"
#include "test_support.h"

/* echo_start on a given port listens there. */
START_TEST(given_port)
{
    uint16_t port = client_free_port();
    HARNESS_CHECK(port != 0, "the test found no free port");
    echo_server_t *s = start_ok(port, 1);
    HARNESS_CHECK(echo_port(s) == port, "echo_start(%u, 1): echo_port returned %u", port,
                  echo_port(s));
    int fd = connect_ok(s, 0);
    client_got g;
    client_exchange(&fd, 1, 5000, harness_seed(), 3000, false, &g);
    CHECK_ECHO(g, 5000, "one client sent 5000 bytes");
    client_close(fd, false);
    stop_ok(s, 2000, "after its one client left");
}
END_TEST

/* A port already in use: NULL, and nothing left behind. */
START_TEST(port_in_use)
{
    echo_server_t *a = start_ok(0, 1);
    io_stats before = io_look();
    int threads = harness_unjoined_threads();
    echo_server_t *b = echo_start(echo_port(a), 2);
    HARNESS_CHECK(b == NULL, "echo_start(%u, 2) on a port another server listens on returned "
                  "a server, expected NULL (bind fails)", echo_port(a));
    io_stats after = io_look();
    HARNESS_CHECK(after.open_fds == before.open_fds, "echo_start returned NULL (the port was "
                  "in use) but left %lld descriptor(s) open: close the socket it made",
                  (long long)(after.open_fds - before.open_fds));
    HARNESS_CHECK(harness_unjoined_threads() == threads, "echo_start returned NULL but left "
                  "%d thread(s) running", harness_unjoined_threads() - threads);
    stop_ok(a, 2000, "with no client");
}
END_TEST

/* 12 clients in turn on 3 workers (each closes when its echo came), with
 * short reads and writes and EINTR: every echo exact, each client's bytes
 * only its own, and no thread started per client. */
START_TEST(many_clients_in_turn)
{
    enum { K = 12 };
    size_t n = harness_under_tsan() ? 8000 : 40000;
    io_faults(true);
    echo_server_t *s = start_ok(0, 3);
    int created = harness_threads_created();
    int fds[K];
    client_got g[K];
    for (int i = 0; i < K; i++)
        fds[i] = connect_ok(s, 0);
    client_exchange(fds, K, n, harness_seed(), 3000, true, g);
    for (int i = 0; i < K; i++)
        CHECK_ECHO(g[i], n, "12 clients, 3 workers, short reads and writes and EINTR");
    HARNESS_CHECK(harness_threads_created() == created, "echo_start(0, 3) started %d threads, "
                  "then %d more were started while 12 clients came: the pool is fixed, its "
                  "workers serve one client after another", created,
                  harness_threads_created() - created);
    stop_ok(s, 2000, "after its clients left");
}
END_TEST

/* A client sends a large message, reads nothing and leaves with a reset:
 * the server must not die (SIGPIPE) and must go on serving. */
START_TEST(client_leaves_mid_message)
{
    io_faults(true);
    echo_server_t *s = start_ok(0, 1);
    int bad = connect_ok(s, 2048);
    client_send(bad, 400000, harness_seed(), 0, 300);
    client_close(bad, true);
    int fd = connect_ok(s, 0);
    client_got g;
    client_exchange(&fd, 1, 20000, harness_seed() + 7, 5000, false, &g);
    CHECK_ECHO(g, 20000, "after a client left mid-message (reset), the next client");
    io_stats io = io_look();
    HARNESS_CHECK(io.sigpipe_writes == 0, "the server wrote to a client socket %llu time%s with "
                  "write() or send() without MSG_NOSIGNAL while SIGPIPE had its default action: "
                  "when the client has left, such a write kills the whole server. Use "
                  "send(..., MSG_NOSIGNAL) (or ignore SIGPIPE)",
                  (unsigned long long)io.sigpipe_writes, io.sigpipe_writes == 1 ? "" : "s");
    client_close(fd, false);
    stop_ok(s, 2000, "after its clients left");
}
END_TEST

/* No client ever came: every worker waits in accept. */
START_TEST(stop_idle_server)
{
    echo_server_t *s = start_ok(0, 3);
    /* Every worker asleep in accept before the stop, whatever the load: a
     * stop that only closes the listener then never wakes them. */
    io_quiet(20, 2000);
    stop_ok(s, 1500, "with no client (every worker waiting in accept)");
}
END_TEST

/* Clients that leave are closed by the server then and there, not at
 * echo_stop: a server running for days would run out of descriptors. */
START_TEST(closes_clients_that_leave)
{
    echo_server_t *s = start_ok(0, 2);
    uint64_t base = io_look().open_fds, mark = harness_fd_mark();
    for (int i = 0; i < 6; i++) {
        int fd = connect_ok(s, 0);
        client_got g;
        client_exchange(&fd, 1, 300, harness_seed() + (uint64_t)i, 3000, true, &g);
        CHECK_ECHO(g, 300, "6 clients one after another");
    }
    harness_patience wait = harness_patience_start(2000);
    io_stats io = io_look();
    int listening = 0, connections = 0;
    bool seen = server_sockets(&listening, &connections);
    while ((io.open_fds > base || (seen && connections > 0)) && harness_patience_nap(&wait)) {
        io = io_look();
        seen = server_sockets(&listening, &connections);
    }
    HARNESS_CHECK(!seen || connections == 0, "6 clients came and closed their connections, but "
                  "2 s later the server still held %d of them open: close a client's socket as "
                  "soon as its recv returns 0. Still open: %s", connections,
                  harness_fds_where(mark));
    HARNESS_CHECK(io.open_fds <= base, "6 clients came and closed their connections, but 2 s "
                  "later the server still held %llu more descriptors open than before they "
                  "came: close a client's socket as soon as its recv returns 0. Still open: %s",
                  (unsigned long long)(io.open_fds - base), harness_fds_where(mark));
    stop_ok(s, 2000, "after its clients left");
}
END_TEST

/* The contract's "about 100 ms": two idle clients, the server quiet (its
 * threads asleep), then echo_stop must return within 400 ms. A stop that
 * waits for the workers' next poll timeout (a second, say) fails: the
 * workers' polls have just begun. Timing: re-run when the machine was slow. */
START_TEST(stop_is_prompt)
{
    echo_server_t *s = start_ok(0, 2);
    int fds[2] = { connect_ok(s, 0), connect_ok(s, 0) };
    client_got g[2];
    client_exchange(fds, 2, 10, harness_seed(), 3000, false, g);
    CHECK_ECHO(g[0], 10, "two clients each sent 10 bytes to a server with 2 workers (client 1)");
    CHECK_ECHO(g[1], 10, "two clients each sent 10 bytes to a server with 2 workers (client 2)");
    io_quiet(20, 2000);
    stop_ok(s, 400, "while 2 clients were connected and idle (the contract: about 100 ms; "
            "waiting for a poll timeout to see a flag is too slow)");
    client_close(fds[0], false);
    client_close(fds[1], false);
}
END_TEST

const graded_test hidden_tests[] = {
    GRADED(given_port, "functional"),
    GRADED(port_in_use, "functional"),
    GRADED(many_clients_in_turn, "race"),
    GRADED(client_leaves_mid_message, "functional"),
    GRADED(stop_idle_server, "deadlock"),
    GRADED(closes_clients_that_leave, "functional"),
    GRADED(stop_is_prompt, "timing"),
    { 0 }
};
