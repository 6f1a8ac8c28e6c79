/* test_hidden.c - lesson 21's hidden tests (not in the student handout).
 * Helpers: grader/harness/harness.h and exercises/21-eventloop/test_support.h.
 *
 * How each bug class is caught, every run:
 *   - timers in insertion order, equal due times out of order: timers added
 *     back to back in one batch (harness_batch: no round trip between them),
 *     their calls traced by the tests' own callbacks (timers_in_due_order,
 *     equal_due_in_order: 40 timers of the same ms, most due in the same
 *     millisecond);
 *   - a 0 ms timer run in the turn that added it: a chain of 0 ms timers,
 *     each adding the next, makes a pipe readable at its 2nd link; the
 *     pipe's callback must come within two more turns (zero_ms_next_turn);
 *   - a timer late behind poll: an idle pipe watched, a 50 ms timer; a poll
 *     with -1 never returns (timer_runs_while_fd_idle);
 *   - an unwatched fd still called: two pipes readable in the same turn,
 *     each callback unwatches the other (unwatch_in_callback);
 *   - EEXIST, ENOENT, the first watch kept (watch_twice_is_eexist); stop
 *     from a callback (stop_from_callback: two pipes readable before
 *     loop_run are ready in one turn; the second callback must not run), from another thread (stop_from_another_thread: the
 *     loop asleep in poll; a plain flag is a race TSan reports);
 *   - a blocking echo: client A sends part of a message and waits, a loop
 *     that reads A "until EAGAIN" on a blocking socket waits in recv for
 *     good and serves no one else (blocking_echo): the engine counts each
 *     call of the loop's thread that waits on a descriptor not ready
 *     (remote_io_loop_thread), and the message names the call; a client that never reads: its socket fills for
 *     real (4 KiB receive buffer, 6 MiB sent), and with faults on the first
 *     send to every client is short and the second fails with EAGAIN
 *     (client_never_reads, echo_with_faults);
 *   - one thread: harness_threads_created() after every test, and no call
 *     may leave a thread running (REMOTE_LEAVES() in test_remote.c);
 *   - hundreds of clients: 150 at once on the one thread (the sandbox's
 *     RLIMIT_NOFILE is 256: 150 clients, the listener and the loop's own
 *     descriptors fit);
 *   - fd leaks: after loop_free, no socket of the server in the sandbox
 *     and the engine's book of open descriptors back to where it was
 *     (free_ok, every test); clients that left closed at once
 *     (closes_clients_that_leave).
 */
#include "harness.h"
#include "test_support.h"

#include <errno.h>
#include <sys/socket.h>

static void drain_cb(loop_t *l, int fd, void *ctx)
{
    (void)l;
    (void)ctx;
    pipe_drain(fd);
}

static void trace_timer(loop_t *l, void *ctx)
{
    (void)l;
    harness_trace("timer", (long)(intptr_t)ctx);
}

/* 40 timers of 50 ms added back to back (most are due in the same
 * millisecond), with timers of 0 and 200 ms between them: the 50 ms ones
 * run in the order they were added, after the 0 ms ones and before the
 * 200 ms ones. */
START_TEST(equal_due_in_order)
{
    enum { K = 40 };
    uint64_t before = io_look().open_fds;
    loop_t *l = new_ok();
    harness_batch_begin();
    for (int i = 0; i < K; i++) {
        loop_later(l, 50, trace_timer, (void *)(intptr_t)i);
        if (i % 10 == 5) {
            loop_later(l, 0, trace_timer, (void *)(intptr_t)(100 + i));
            loop_later(l, 200, trace_timer, (void *)(intptr_t)(200 + i));
        }
    }
    harness_batch_end(NULL);
    runner r;
    run_start(&r, l);
    HARNESS_CHECK(run_wait(&r, 3000), "loop_run had not returned 3 s after 48 timers of at most "
                  "200 ms were added");
    harness_trace_entry t[64];
    size_t k = harness_trace_read(t, 64);
    HARNESS_CHECK(k == K + 8, "%d timers were added, %zu ran", K + 8, k);
    long next = 0;
    for (size_t i = 0; i < k; i++) {
        long v = t[i].value;
        if (i < 4)
            HARNESS_CHECK(v >= 100 && v < 200, "call %zu was not one of the four 0 ms timers "
                          "(they are due first)", i + 1);
        else if (i < 4 + K)
            HARNESS_CHECK(v == next++, "40 timers of 50 ms were added back to back; the %ld%s "
                          "one added ran in place %ld among them: timers due at the same time "
                          "run in the order they were added (break ties by the order of "
                          "loop_later: a sequence number)", v + 1, v == 0 ? "st" : v == 1 ? "nd"
                          : v == 2 ? "rd" : "th", next);
        else
            HARNESS_CHECK(v >= 200, "call %zu was not one of the 200 ms timers (they are "
                          "due last)", i + 1);
    }
    one_thread_ok("while 48 timers ran");
    free_ok(l, before);
}
END_TEST

/* ---- 0 ms runs on the next turn ------------------------------------------------------- */

static test_pipe zpipe;
static atomic_int zlinks, zseen_at;

static void zero_pipe_cb(loop_t *l, int fd, void *ctx)
{
    (void)ctx;
    pipe_drain(fd);
    if (atomic_load(&zseen_at) == 0)
        atomic_store(&zseen_at, atomic_load(&zlinks));
    loop_unwatch(l, fd);
}

/* Each link adds the next (0 ms); the 2nd makes the pipe readable; the chain
 * ends once the pipe's callback came, or after 300 links. */
static void zero_link(loop_t *l, void *ctx)
{
    (void)ctx;
    int n = atomic_fetch_add(&zlinks, 1) + 1;
    if (n == 2)
        pipe_poke(zpipe.wr, 1);
    if (atomic_load(&zseen_at) == 0 && n < 300)
        loop_later(l, 0, zero_link, NULL);
}

START_TEST(zero_ms_next_turn)
{
    uint64_t before = io_look().open_fds;
    loop_t *l = new_ok();
    zpipe = pipe_make();
    HARNESS_CHECK(loop_watch(l, zpipe.rd, zero_pipe_cb, NULL) == 0, "loop_watch returned "
                  "nonzero");
    HARNESS_CHECK(loop_later(l, 0, zero_link, NULL) == 0, "loop_later returned nonzero");
    runner r;
    run_start(&r, l);
    if (!run_wait(&r, 3000)) {
        loop_stop(l);
        HARNESS_CHECK(false, "loop_run had not returned 3 s after a chain of 0 ms timers began "
                      "(%d links ran): each 0 ms timer must run on the next turn",
                      atomic_load(&zlinks));
    }
    int seen = atomic_load(&zseen_at);
    HARNESS_CHECK(seen != 0, "a chain of 0 ms timers (each adding the next) made a watched "
                  "pipe readable at its 2nd link, but the pipe's callback never came in %d "
                  "links: a 0 ms timer added during a turn runs on the next turn, after the "
                  "loop polled its descriptors again", atomic_load(&zlinks));
    HARNESS_CHECK(seen <= 4, "a chain of 0 ms timers (each adding the next) made a watched "
                  "pipe readable at its 2nd link, but the pipe's callback came only after link "
                  "%d: a 0 ms timer added during a turn must wait for the next turn (run only "
                  "the timers that were there when the turn began), or the loop starves its "
                  "descriptors", seen);
    one_thread_ok("while a chain of 0 ms timers ran");
    free_ok(l, before);
    pipe_close(zpipe);
}
END_TEST

/* ---- watch twice, unwatch twice ------------------------------------------------------- */

static atomic_int first_calls, second_calls;

static void first_cb(loop_t *l, int fd, void *ctx)
{
    (void)ctx;
    atomic_fetch_add(&first_calls, 1);
    pipe_drain(fd);
    loop_unwatch(l, fd);
}

static void second_cb(loop_t *l, int fd, void *ctx)
{
    (void)ctx;
    atomic_fetch_add(&second_calls, 1);
    pipe_drain(fd);
    loop_unwatch(l, fd);
}

START_TEST(watch_twice_is_eexist)
{
    uint64_t before = io_look().open_fds;
    loop_t *l = new_ok();
    test_pipe p = pipe_make(), q = pipe_make();
    HARNESS_CHECK(loop_unwatch(l, p.rd) == ENOENT, "loop_unwatch of an fd never watched "
                  "returned %d, expected ENOENT (%d)", loop_unwatch(l, p.rd), ENOENT);
    HARNESS_CHECK(loop_watch(l, q.rd, drain_cb, NULL) == 0, "loop_watch returned nonzero");
    HARNESS_CHECK(loop_unwatch(l, q.rd) == 0, "loop_unwatch of a watched fd returned nonzero");
    HARNESS_CHECK(loop_unwatch(l, q.rd) == ENOENT, "loop_unwatch of an fd already unwatched "
                  "returned %d, expected ENOENT (%d)", loop_unwatch(l, q.rd), ENOENT);
    HARNESS_CHECK(loop_watch(l, p.rd, first_cb, NULL) == 0, "loop_watch returned nonzero");
    int rc = loop_watch(l, p.rd, second_cb, NULL);
    HARNESS_CHECK(rc == EEXIST, "loop_watch of an fd already watched returned %d, expected "
                  "EEXIST (%d)", rc, EEXIST);
    pipe_poke(p.wr, 1);
    runner r;
    run_start(&r, l);
    HARNESS_CHECK(run_wait(&r, 2000), "loop_run had not returned 2 s after the only watched "
                  "pipe was unwatched by its callback");
    HARNESS_CHECK(atomic_load(&first_calls) == 1 && atomic_load(&second_calls) == 0,
                  "an fd was watched, then watched again (EEXIST): its first callback must "
                  "stay, but the first ran %d time%s and the second %d",
                  atomic_load(&first_calls), atomic_load(&first_calls) == 1 ? "" : "s",
                  atomic_load(&second_calls));
    free_ok(l, before);
    pipe_close(p);
    pipe_close(q);
}
END_TEST

/* ---- loop_stop from a callback -------------------------------------------------------- */

static atomic_int stop_calls;

static void stop_cb(loop_t *l, int fd, void *ctx)
{
    (void)ctx;
    atomic_fetch_add(&stop_calls, 1);
    pipe_drain(fd);
    loop_stop(l);
}

/* Two pipes are readable before loop_run, so both are ready in its first
 * turn; each one's callback stops the loop. The first stop ends loop_run:
 * the other callback must not run in that turn. A second loop_run runs
 * again (the stop was for the first): the other pipe is still readable. */
START_TEST(stop_from_callback)
{
    uint64_t before = io_look().open_fds;
    loop_t *l = new_ok();
    test_pipe p = pipe_make(), q = pipe_make();
    pipe_poke(p.wr, 1);
    pipe_poke(q.wr, 1);
    HARNESS_CHECK(loop_watch(l, p.rd, stop_cb, NULL) == 0 &&
                  loop_watch(l, q.rd, stop_cb, NULL) == 0, "loop_watch returned nonzero");
    runner r;
    run_start(&r, l);
    if (!run_wait(&r, 1500)) {
        loop_stop(l);
        HARNESS_CHECK(false, "a callback called loop_stop, but loop_run had not returned 1.5 s "
                      "later");
    }
    HARNESS_CHECK(atomic_load(&stop_calls) == 1, "two pipes were readable in the same turn and "
                  "the first callback called loop_stop, yet %d callbacks ran: after loop_stop "
                  "from a callback, no further callback runs (check the flag before each one)",
                  atomic_load(&stop_calls));
    run_start(&r, l);
    if (!run_wait(&r, 1500)) {
        loop_stop(l);
        HARNESS_CHECK(false, "loop_run, called again after a loop_stop, had not returned 1.5 s "
                      "later, yet a watched pipe was readable and its callback stops the loop");
    }
    HARNESS_CHECK(atomic_load(&stop_calls) == 2, "loop_run, called again after a loop_stop, "
                  "did not call the callback of a readable pipe (%d calls in all, expected 2): "
                  "loop_stop ends one loop_run (clear the flag when loop_run returns)",
                  atomic_load(&stop_calls));
    one_thread_ok("while callbacks stopped the loop");
    free_ok(l, before);
    pipe_close(p);
    pipe_close(q);
}
END_TEST

/* Nothing to do: loop_run returns at once. */
START_TEST(run_returns_when_nothing_left)
{
    uint64_t before = io_look().open_fds;
    loop_t *l = new_ok();
    runner r;
    run_start(&r, l);
    HARNESS_CHECK(run_wait(&r, 1000), "loop_run on a loop with nothing watched and no timer "
                  "did not return within 1 s: it returns when nothing is left to wait for");
    free_ok(l, before);
}
END_TEST

/* ---- the echo server ------------------------------------------------------------------ */

/* Client A sends part of a message and waits; client B must be served. */
START_TEST(blocking_echo)
{
    uint64_t before = io_look().open_fds;
    loop_t *l = new_ok();
    uint16_t port = listen_ok(l);
    runner r;
    run_start(&r, l);
    int a = connect_ok(port, 0);
    HARNESS_CHECK(client_send(a, 700, harness_seed() + 5, 0, 1000) == 700, "client A could "
                  "not send 700 bytes");
    client_got ga = client_recv(a, 700, harness_seed() + 5, 0, 2000);
    never_blocked_ok("once client A had sent 700 bytes (part of a message) and waited");
    CHECK_ECHO(ga, 700, "client A sent 700 bytes and waited");
    int b = connect_ok(port, 0);
    client_got g;
    client_exchange(&b, 1, 5000, harness_seed(), 2000, false, &g);
    never_blocked_ok("while client A was connected and silent");
    CHECK_ECHO(g, 5000, "while client A was connected and silent (it had sent part of a "
               "message), client B (a loop that waits for A to send more, in a read of a "
               "blocking socket, serves no one else: make every socket non-blocking and read "
               "until EAGAIN)");
    client_close(a, false);
    client_close(b, false);
    stop_ok(&r, 1000, "after its clients left");
    one_thread_ok("while the echo server served two clients");
    free_ok(l, before);
}
END_TEST

/* Three clients with large messages, while short reads and writes and
 * EAGAIN are injected (the first send to each client is short, the second
 * fails with EAGAIN). */
START_TEST(echo_with_faults)
{
    size_t n = harness_under_tsan() ? 60000 : 200000;
    io_faults(true);
    uint64_t before = io_look().open_fds;
    loop_t *l = new_ok();
    uint16_t port = listen_ok(l);
    runner r;
    run_start(&r, l);
    int fds[3];
    client_got g[3];
    for (int i = 0; i < 3; i++)
        fds[i] = connect_ok(port, 0);
    client_exchange(fds, 3, n, harness_seed(), 4000, false, g);
    for (int i = 0; i < 3; i++)
        CHECK_ECHO(g[i], n, "three clients at once, with short reads and writes and EAGAIN");
    for (int i = 0; i < 3; i++)
        client_close(fds[i], false);
    stop_ok(&r, 1000, "after its clients left");
    one_thread_ok("while the echo server served three clients");
    free_ok(l, before);
}
END_TEST

/* 150 clients at once on the one thread (the sandbox allows your process
 * 256 descriptors: 150 clients, the listener and the loop's own fit). */
START_TEST(hundreds_of_clients)
{
    enum { K = 150 };
    size_t n = harness_under_tsan() ? 400 : 3000;
    uint64_t before = io_look().open_fds;
    loop_t *l = new_ok();
    uint16_t port = listen_ok(l);
    runner r;
    run_start(&r, l);
    static int fds[K];
    static client_got g[K];
    for (int i = 0; i < K; i++)
        fds[i] = connect_ok(port, 0);
    client_exchange(fds, K, n, harness_seed(), 5000, true, g);
    for (int i = 0; i < K; i++)
        CHECK_ECHO(g[i], n, "150 clients at once");
    stop_ok(&r, 1000, "after 150 clients came and left");
    one_thread_ok("while 150 clients were served");
    free_ok(l, before);
}
END_TEST

/* Clients that leave are closed then and there, not at loop_free. */
START_TEST(closes_clients_that_leave)
{
    uint64_t before = io_look().open_fds;
    loop_t *l = new_ok();
    uint16_t port = listen_ok(l);
    runner r;
    run_start(&r, l);
    uint64_t base = io_look().open_fds, mark = harness_fd_mark();
    for (int i = 0; i < 6; i++) {
        int fd = connect_ok(port, 0);
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
                  "2 s later the server still held %d of them open: close a client's socket "
                  "(and unwatch it) as soon as its recv returns 0. Still open: %s", connections,
                  harness_fds_where(mark));
    HARNESS_CHECK(io.open_fds <= base, "6 clients came and closed their connections, but 2 s "
                  "later the server still held %llu more descriptors open than before they "
                  "came: close a client's socket as soon as its recv returns 0. Still open: %s",
                  (unsigned long long)(io.open_fds - base), harness_fds_where(mark));
    stop_ok(&r, 1000, "after its clients left");
    free_ok(l, before);
}
END_TEST

/* A port already in use: an error, and nothing left open. */
START_TEST(port_in_use)
{
    uint64_t before = io_look().open_fds;
    loop_t *l = new_ok();
    uint16_t port = listen_ok(l);
    loop_t *m = new_ok();
    uint64_t mid = io_look().open_fds;
    uint16_t got = 0;
    int rc = loop_echo_listen(m, port, &got);
    HARNESS_CHECK(rc == EADDRINUSE, "loop_echo_listen on a port another loop listens on "
                  "returned %d, expected EADDRINUSE (%d)", rc, EADDRINUSE);
    HARNESS_CHECK(io_look().open_fds == mid, "loop_echo_listen failed but left its socket "
                  "open: close it on every error path");
    loop_free(m);
    free_ok(l, before);
}
END_TEST

const graded_test hidden_tests[] = {
    GRADED(equal_due_in_order, "ordering"),
    GRADED(zero_ms_next_turn, "ordering"),
    GRADED(watch_twice_is_eexist, "functional"),
    GRADED(stop_from_callback, "functional"),
    GRADED(run_returns_when_nothing_left, "functional"),
    GRADED(blocking_echo, "deadlock"),
    GRADED(echo_with_faults, "functional"),
    GRADED(hundreds_of_clients, "functional"),
    GRADED(closes_clients_that_leave, "functional"),
    GRADED(port_in_use, "functional"),
    { 0 }
};
