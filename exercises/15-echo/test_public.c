/* test_public.c - lesson 15's public tests: `make check` runs these. The
 * grader also runs hidden tests of the same kinds. The test's clients and
 * its look at your sockets are in test_support.h; the helpers every lesson
 * uses in grader/harness/harness.h.
 *
 * In some tests the grader makes your socket calls behave as a busy network
 * may: a recv or send moves only part of what you asked (at least 1 byte),
 * a call fails with EINTR before moving anything. Both are allowed by
 * POSIX; a server that loops until everything moved passes.
 */
#include "harness.h"
#include "test_support.h"

/* One client, a short message. */
START_TEST(echo_one_client)
{
    echo_server_t *s = start_ok(0, 2);
    HARNESS_CHECK(echo_port(s) != 0, "echo_start(0, 2): echo_port returned 0, expected the "
                  "port the system picked (getsockname)");
    int fd = connect_ok(s, 0);
    client_got g;
    client_exchange(&fd, 1, 1000, harness_seed(), 3000, false, &g);
    CHECK_ECHO(g, 1000, "one client sent 1000 bytes to a server with 2 workers");
    client_close(fd, false);
    stop_ok(s, 2000, "after its one client left");
}
END_TEST

/* Large messages while every recv and send may move less than asked or
 * fail with EINTR: both clients must get back exactly what they sent. */
START_TEST(echo_large_partial)
{
    size_t n = harness_under_tsan() ? 100000 : 300000;
    io_faults(true);
    echo_server_t *s = start_ok(0, 2);
    int fds[2] = { connect_ok(s, 0), connect_ok(s, 0) };
    client_got g[2];
    client_exchange(fds, 2, n, harness_seed(), 3000, false, g);
    CHECK_ECHO(g[0], n, "two clients at once, with short reads and writes and EINTR (client 1)");
    CHECK_ECHO(g[1], n, "two clients at once, with short reads and writes and EINTR (client 2)");
    client_close(fds[0], false);
    client_close(fds[1], false);
    stop_ok(s, 2000, "after its clients left");
}
END_TEST

/* Three clients are connected and idle (their workers wait in a read):
 * echo_stop must still return at once, and the clients see the server
 * close their connections. */
START_TEST(stop_with_idle_clients)
{
    echo_server_t *s = start_ok(0, 3);
    int fds[3];
    client_got g[3];
    for (int i = 0; i < 3; i++)
        fds[i] = connect_ok(s, 0);
    client_exchange(fds, 3, 10, harness_seed(), 3000, false, g);
    for (int i = 0; i < 3; i++)
        CHECK_ECHO(g[i], 10, "three clients each sent 10 bytes to a server with 3 workers");
    stop_ok(s, 1500, "while 3 clients were connected and idle");
    for (int i = 0; i < 3; i++) {
        client_got e = client_recv(fds[i], 1, 0, 0, 1000);
        HARNESS_CHECK(e.end == GOT_EOF || e.end >= GOT_ERROR, "after echo_stop, idle client %d "
                      "still had its connection open (%s): echo_stop closes every client", i + 1,
                      got_end(&e));
        client_close(fds[i], false);
    }
}
END_TEST

/* 2 workers, 4 clients: exactly 2 are served (read from) at once; when
 * those leave, the other 2 are served. Runs with schedule noise off: once
 * every thread of the server sleeps, each client it would serve it has read. */
START_TEST(at_most_workers_served)
{
    echo_server_t *s = start_ok(0, 2);
    int fds[4];
    for (int i = 0; i < 4; i++) {
        fds[i] = connect_ok(s, 0);
        HARNESS_CHECK(client_send(fds[i], 10, harness_seed() + (uint64_t)i, 0, 1000) == 10,
                      "client %d could not send 10 bytes", i + 1);
    }
    HARNESS_CHECK(io_quiet(30, 3000), "the server never went quiet (some thread kept running "
                  "for 3 s with 4 clients that each sent 10 bytes and wait): busy waiting?");
    io_stats io = io_look();
    HARNESS_CHECK(io.served_max <= 2, "%llu clients were served at once (read from), but "
                  "echo_start was given 2 workers: at most 2 may be, the others wait",
                  (unsigned long long)io.served_max);
    HARNESS_CHECK(io.served_now == 2, "with 2 workers and 4 clients that each sent 10 bytes and "
                  "wait, %llu client%s being served (read from, connection open): each free "
                  "worker must serve a waiting client, until that client closes",
                  (unsigned long long)io.served_now, io.served_now == 1 ? " was" : "s were");
    int served[4], waiting[4], ns = 0, nw = 0;
    for (int i = 0; i < 4; i++) {
        client_got g = client_recv(fds[i], 10, harness_seed() + (uint64_t)i, 0, 30);
        if (g.got > 0) {
            CHECK_ECHO(g, 10, "a served client sent 10 bytes");
            served[ns++] = i;
        } else {
            waiting[nw++] = i;
        }
    }
    HARNESS_CHECK(ns == 2, "%d of the 4 clients got their echo, but the server said it reads "
                  "from 2 (it reads but does not echo?)", ns);
    for (int i = 0; i < ns; i++)
        client_close(fds[served[i]], false);
    for (int i = 0; i < nw; i++) {
        client_got g = client_recv(fds[waiting[i]], 10, harness_seed() + (uint64_t)waiting[i],
                                   0, 3000);
        CHECK_ECHO(g, 10, "after the 2 served clients left, a waiting client");
    }
    io = io_look();
    HARNESS_CHECK(io.served_max <= 2, "%llu clients were served at once (read from), but "
                  "echo_start was given 2 workers", (unsigned long long)io.served_max);
    for (int i = 0; i < nw; i++)
        client_close(fds[waiting[i]], false);
    stop_ok(s, 2000, "after its clients left");
}
END_TEST

const graded_test public_tests[] = {
    GRADED(echo_one_client, "functional"),
    GRADED(echo_large_partial, "functional"),
    GRADED(stop_with_idle_clients, "deadlock"),
    GRADED(at_most_workers_served, "timing"),
    { 0 }
};
