/* test_public.c - lesson 21's public tests: `make check` runs these. The
 * grader also runs hidden tests of the same kinds. The test's clients,
 * pipes and helpers are in test_support.h; the helpers every lesson uses in
 * grader/harness/harness.h.
 *
 * Your callbacks' work is done by the tests: the on_readable and fn your
 * loop calls are the tests' own functions. In some tests the grader makes
 * your socket calls behave as a busy network may: a recv or send moves
 * only part of what you asked, a call on a non-blocking socket fails with
 * EAGAIN before moving anything, a blocking one with EINTR. All are allowed
 * by POSIX; a loop that keeps what it could not send and goes back to poll
 * passes.
 */
#include "harness.h"
#include "test_support.h"

#include <errno.h>

/* ---- timers ------------------------------------------------------------------- */

static double t0_ms;
static _Atomic double ran_at[64];
static atomic_int ran_on[64];

static void record_timer(loop_t *l, void *ctx)
{
    (void)l;
    int i = (int)(intptr_t)ctx;
    ran_at[i] = real_ms();
    atomic_store(&ran_on[i], harness_thread_id());
    harness_trace("timer", i);
}

/* Five timers added back to back: 240, 80, 160, 0 and 80 ms. They run in
 * due order (the two of 80 ms in the order they were added), each no
 * earlier than its time, on the thread that called loop_run; then nothing
 * is pending and loop_run returns. */
START_TEST(timers_in_due_order)
{
    static const unsigned ms[] = { 240, 80, 160, 0, 80 };
    static const int expect[] = { 3, 1, 4, 2, 0 };
    static const char *const nth[] = { "1st", "2nd", "3rd", "4th", "5th" };
    uint64_t before = io_look().open_fds;
    loop_t *l = new_ok();
    t0_ms = real_ms();
    harness_batch_begin();
    for (int i = 0; i < 5; i++)
        loop_later(l, ms[i], record_timer, (void *)(intptr_t)i);
    size_t n = 0;
    const uint64_t *rc = harness_batch_end(&n);
    for (size_t i = 0; i < n; i++)
        HARNESS_CHECK(rc[i] == 0, "loop_later returned %d for timer %zu, expected 0",
                      (int)rc[i], i + 1);
    runner r;
    run_start(&r, l);
    HARNESS_CHECK(run_wait(&r, 3000), "loop_run had not returned 3 s after five timers of at "
                  "most 240 ms were added: once every timer ran and nothing is watched, "
                  "loop_run returns");
    harness_trace_entry t[16];
    size_t k = harness_trace_read(t, 16);
    HARNESS_CHECK(k == 5, "5 timers were added, %zu ran (each runs exactly once)", k);
    for (size_t i = 0; i < 5; i++)
        HARNESS_CHECK(t[i].value == expect[i], "timers of 240, 80, 160, 0 and 80 ms were "
                      "added in that order; call %zu was the timer of %u ms added %s, "
                      "expected the one of %u ms added %s: timers run in due order, equal "
                      "ones in the order they were added", i + 1, ms[t[i].value],
                      nth[t[i].value], ms[expect[i]], nth[expect[i]]);
    for (int i = 0; i < 5; i++) {
        HARNESS_CHECK(ran_at[i] - t0_ms >= ms[i] - 1.0, "the timer of %u ms ran after %.1f ms: "
                      "never before its time", ms[i], ran_at[i] - t0_ms);
        HARNESS_CHECK(atomic_load(&ran_on[i]) == atomic_load(&r.thread), "a timer ran on "
                      "another thread than the one in loop_run: every callback runs on the "
                      "loop's thread");
    }
    one_thread_ok("while five timers ran");
    free_ok(l, before);
}
END_TEST

/* ---- a timer while an idle fd is watched ------------------------------------------ */

static _Atomic double stopped_at;

/* An on_readable that reads what came. */
static void drain_cb(loop_t *l, int fd, void *ctx)
{
    (void)l;
    (void)ctx;
    pipe_drain(fd);
}

static void stop_timer(loop_t *l, void *ctx)
{
    (void)ctx;
    stopped_at = real_ms();
    loop_stop(l);
}

/* An idle pipe is watched (nothing ever comes) and a timer of 50 ms is
 * added: it must run on time, so poll must wait no longer than the time
 * left until the first timer. */
START_TEST(timer_runs_while_fd_idle)
{
    uint64_t before = io_look().open_fds;
    loop_t *l = new_ok();
    test_pipe p = pipe_make();
    HARNESS_CHECK(loop_watch(l, p.rd, drain_cb, NULL) == 0, "loop_watch of a new pipe "
                  "returned nonzero");
    double t0 = real_ms();
    HARNESS_CHECK(loop_later(l, 50, stop_timer, NULL) == 0, "loop_later returned nonzero");
    runner r;
    run_start(&r, l);
    if (!run_wait(&r, 1500)) {
        loop_stop(l);
        HARNESS_CHECK(false, "a timer of 50 ms had not run 1.5 s later while an idle pipe was "
                      "watched: the loop waited for the pipe alone. poll's timeout must be "
                      "the time left until the first timer is due (-1 only when no timer is "
                      "pending)");
    }
    double late = stopped_at - t0;
    HARNESS_CHECK(late >= 49.0 && late < 1000.0, "a timer of 50 ms ran after %.0f ms while an "
                  "idle pipe was watched: poll's timeout must be the time left until the first "
                  "timer", late);
    one_thread_ok("while an idle pipe was watched and a timer ran");
    free_ok(l, before);
    pipe_close(p);
}
END_TEST

/* ---- loop_unwatch from a callback -------------------------------------------------- */

static test_pipe pair[2];
static atomic_int calls_of[2];

/* Each pipe's callback unwatches the other pipe and itself (nothing is left
 * watched, so loop_run returns). */
static void unwatch_other(loop_t *l, int fd, void *ctx)
{
    int me = (int)(intptr_t)ctx;
    atomic_fetch_add(&calls_of[me], 1);
    pipe_drain(fd);
    loop_unwatch(l, pair[1 - me].rd);
    loop_unwatch(l, fd);
}

/* Two pipes are readable before loop_run: both are ready in its first
 * turn. Whichever callback runs first unwatches the other pipe, so the
 * other's callback must never run, not even later in that turn. */
START_TEST(unwatch_in_callback)
{
    uint64_t before = io_look().open_fds;
    loop_t *l = new_ok();
    for (int i = 0; i < 2; i++) {
        pair[i] = pipe_make();
        pipe_poke(pair[i].wr, 1);
        HARNESS_CHECK(loop_watch(l, pair[i].rd, unwatch_other, (void *)(intptr_t)i) == 0,
                      "loop_watch of a new pipe returned nonzero");
    }
    runner r;
    run_start(&r, l);
    HARNESS_CHECK(run_wait(&r, 2000), "loop_run had not returned 2 s after its callbacks "
                  "unwatched both pipes: with nothing watched and no timer, loop_run returns");
    int a = atomic_load(&calls_of[0]), b = atomic_load(&calls_of[1]);
    HARNESS_CHECK(a + b >= 1, "two pipes were readable but no on_readable was called");
    HARNESS_CHECK(a + b == 1, "two pipes were readable in the same turn; the first callback "
                  "unwatched the other pipe, yet the other's callback was called too (%d and %d "
                  "calls): loop_unwatch takes effect at once, so before each callback of a turn "
                  "check that its fd is still watched (by that same watch)", a, b);
    one_thread_ok("while two pipes were watched");
    free_ok(l, before);
    pipe_close(pair[0]);
    pipe_close(pair[1]);
}
END_TEST

/* ---- loop_stop from another thread ---------------------------------------------------- */

static void never_timer(loop_t *l, void *ctx)
{
    (void)l;
    (void)ctx;
}

/* The loop waits: an idle pipe is watched and the only timer is 10 s away.
 * loop_stop from the test's thread must make loop_run return at once. */
START_TEST(stop_from_another_thread)
{
    uint64_t before = io_look().open_fds;
    loop_t *l = new_ok();
    test_pipe p = pipe_make();
    HARNESS_CHECK(loop_watch(l, p.rd, drain_cb, NULL) == 0, "loop_watch returned nonzero");
    HARNESS_CHECK(loop_later(l, 10000, never_timer, NULL) == 0, "loop_later returned nonzero");
    runner r;
    run_start(&r, l);
    harness_sleep_ms(50);
    HARNESS_CHECK(!atomic_load(&r.done), "loop_run returned on its own while a pipe was "
                  "watched and a timer pending");
    stop_ok(&r, 1000, "while the loop waited (an idle pipe watched, a timer 10 s away)");
    one_thread_ok("while the loop waited");
    free_ok(l, before);
    pipe_close(p);
}
END_TEST

/* ---- the echo server ------------------------------------------------------------------ */

/* One client, a message of 10000 bytes, echoed on the loop's thread. */
START_TEST(echo_one_client)
{
    uint64_t before = io_look().open_fds;
    loop_t *l = new_ok();
    uint16_t port = listen_ok(l);
    runner r;
    run_start(&r, l);
    int fd = connect_ok(port, 0);
    client_got g;
    client_exchange(&fd, 1, 10000, harness_seed(), 3000, false, &g);
    CHECK_ECHO(g, 10000, "one client sent 10000 bytes");
    client_close(fd, false);
    stop_ok(&r, 1000, "after its one client left");
    one_thread_ok("while the echo server served a client");
    free_ok(l, before);
}
END_TEST

/* Client A sends 6 MiB, or until nothing more goes in, and never reads its
 * echo: more than the kernel's buffers on the way back to A can hold (about
 * 4 MiB on loopback, with A's 256 KiB receive buffer), so the server's sends
 * to A fail with EAGAIN, for real. (A smaller receive buffer is no good: a
 * window smaller than one loopback segment, 64 KiB, can leave TCP probing
 * for seconds before it sends again, and A's echo would seem lost.) Client B must still be served, and the
 * start of A's echo must be there when A reads: what could not be written
 * is kept for later, never waited for. Short reads and writes and EAGAIN
 * are on. */
START_TEST(client_never_reads)
{
    size_t n = 20000, head = 200000;
    io_faults(true);
    uint64_t before = io_look().open_fds;
    loop_t *l = new_ok();
    uint16_t port = listen_ok(l);
    runner r;
    run_start(&r, l);
    int a = connect_ok(port, 262144);
    long sent = client_fill(a, harness_seed() + 99, 6u << 20, 200, 3000);
    int b = connect_ok(port, 0);
    client_got g;
    client_exchange(&b, 1, n, harness_seed(), 3000, false, &g);
    never_blocked_ok("while client A had sent a lot and read nothing");
    CHECK_ECHO(g, n, "while client A had sent a lot and read nothing, client B (its echo is "
               "the loop's job too: a loop that waits until A can take its echo serves no one "
               "else)");
    if ((size_t)sent < head)
        head = (size_t)sent;
    client_got ga = client_recv(a, head, harness_seed() + 99, 0, 3000);
    CHECK_ECHO(ga, head, "client A, which read nothing while it sent, then read the start of "
               "its echo (what the server could not write yet it must keep and write later)");
    client_close(a, true);
    client_close(b, false);
    stop_ok(&r, 1000, "after its clients left");
    one_thread_ok("while the echo server served two clients");
    free_ok(l, before);
}
END_TEST

const graded_test public_tests[] = {
    GRADED(timers_in_due_order, "ordering"),
    GRADED(timer_runs_while_fd_idle, "timing"),
    GRADED(unwatch_in_callback, "functional"),
    GRADED(stop_from_another_thread, "race"),
    GRADED(echo_one_client, "functional"),
    GRADED(client_never_reads, "deadlock"),
    { 0 }
};
