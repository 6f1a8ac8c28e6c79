/* test_public.c - lesson 17's public tests: `make check` runs these. The
 * grader also runs hidden tests of the same kinds. The messages the tests
 * send and check are in test_support.h; the helpers every lesson uses in
 * grader/harness/harness.h.
 *
 * In some tests the grader makes your pipe calls behave as a busy system
 * may: a read or write moves only part of what you asked (at least 1 byte;
 * never a write of at most PIPE_BUF bytes to a pipe, which POSIX makes
 * whole), and a call fails with EINTR before moving anything. On each
 * descriptor the first read and write are always short and the second ones
 * always EINTR. Code that loops until everything moved passes.
 *
 * The two ends run on two threads of one process here (the grader does not
 * follow fork yet); your code cannot tell the difference.
 */
#include "harness.h"
#include "test_support.h"

#include <limits.h>
#include <string.h>

/* The seed's scenario: c.send(c.recv() * 2). */
START_TEST(send_recv_doubles)
{
    io_stats before = io_look();
    chan_t *b, *a = pair_ok(&b);
    char s[256];
    int rc = chan_send(a, "asdd", 4);
    HARNESS_CHECK(rc == 0, "chan_send(a, \"asdd\", 4) %s", send_verdict(rc, 0, s, sizeof s));
    char buf[64] = { 0 };
    ssize_t n = chan_recv(b, buf, sizeof buf);
    HARNESS_CHECK(n == 4 && memcmp(buf, "asdd", 4) == 0, "a sent \"asdd\" (4 bytes): "
                  "chan_recv(b, buf, 64) returned %s with \"%.*s\"", said(n, errno, s, sizeof s),
                  n > 0 && n <= 64 ? (int)n : 0, buf);
    rc = chan_send(b, "asddasdd", 8);
    HARNESS_CHECK(rc == 0, "chan_send(b, \"asddasdd\", 8) (the answer, from the other end) %s",
                  send_verdict(rc, 0, s, sizeof s));
    n = chan_recv(a, buf, sizeof buf);
    HARNESS_CHECK(n == 8 && memcmp(buf, "asddasdd", 8) == 0, "b answered \"asddasdd\" (8 bytes): "
                  "chan_recv(a, buf, 64) returned %s with \"%.*s\"", said(n, errno, s, sizeof s),
                  n > 0 && n <= 64 ? (int)n : 0, buf);
    chan_close(a);
    chan_close(b);
    io_stats after = io_look();
    HARNESS_CHECK(after.open_fds == before.open_fds, "after chan_close of both ends, %llu "
                  "descriptor(s) your code opened (pipe, socketpair, dup) are still open: "
                  "chan_close must close every descriptor of its end. Still open: %s",
                  (unsigned long long)(after.open_fds - before.open_fds), harness_fds_where(0));
}
END_TEST

/* The sizes sent, in order: small, around PIPE_BUF, around the pipe's
 * capacity, 1 MB, then many more than PIPE_BUF (each of their writes may
 * be cut short). */
static size_t size_at(size_t i, uint64_t seed)
{
    static const size_t fixed[] = { 1, 2, 100, PIPE_BUF - 1, PIPE_BUF, PIPE_BUF + 1,
                                    65535, 65536, 65537, 200000, 1 << 20 };
    enum { NFIXED = sizeof fixed / sizeof fixed[0] };
    if (i < NFIXED)
        return fixed[i];
    uint64_t x = (seed + i) * 0x9E3779B97F4A7C15ull;
    return PIPE_BUF + 1 + (size_t)((x >> 20) % 60000);
}

/* Every size, one thread sending while the test's thread receives, every
 * call possibly cut short or interrupted. */
START_TEST(sizes_with_short_io)
{
    size_t count = harness_under_tsan() ? 24 : 40;
    io_faults(true);
    chan_t *b, *a = pair_ok(&b);
    sender s = { .c = a, .count = count, .seed = harness_seed() * 1000, .size = size_at };
    pthread_t t;
    harness_thread_start(&t, send_all, &s);
    recv_all(b, &s, 0);
    harness_thread_join(t);
    if (!atomic_load(&s.failed))
        chan_close(a);
    chan_close(b);
}
END_TEST

/* A buffer too small: EMSGSIZE, and the message waits for a bigger one. */
START_TEST(too_small_buffer)
{
    chan_t *b, *a = pair_ok(&b);
    uint64_t seed = harness_seed();
    send_ok(a, 1000, seed, "message 1");
    send_ok(a, 10, seed + 1, "message 2");
    char buf[1000];
    for (size_t cap = 999; cap > 0; cap = cap > 10 ? 10 : 0) {
        errno = 0;
        ssize_t n = chan_recv(b, buf, cap);
        char s[64];
        HARNESS_CHECK(n == -1 && errno == EMSGSIZE, "the next message has 1000 bytes: "
                      "chan_recv(b, buf, %zu) returned %s, expected -1 with errno EMSGSIZE%s",
                      cap, said(n, errno, s, sizeof s),
                      n == 10 ? " (it got the 10-byte message after it: the message too big "
                      "must stay queued, not be dropped)" : "");
    }
    recv_ok(b, 1000, 1000, seed, "message 1 after two EMSGSIZE (it must stay queued, whole)");
    recv_ok(b, 1000, 10, seed + 1, "message 2, after message 1");
    chan_close(a);
    chan_close(b);
}
END_TEST

/* Messages left when the sender closes are all read; then 0, again and again. */
START_TEST(end_of_stream)
{
    chan_t *b, *a = pair_ok(&b);
    uint64_t seed = harness_seed();
    send_ok(a, 30, seed, "message 1");
    send_ok(a, 3000, seed + 1, "message 2");
    send_ok(a, 1, seed + 2, "message 3");
    chan_close(a);
    recv_ok(b, 5000, 30, seed, "message 1 of 3 sent before the sender closed");
    recv_ok(b, 5000, 3000, seed + 1, "message 2 of 3 sent before the sender closed");
    recv_ok(b, 5000, 1, seed + 2, "message 3 of 3 sent before the sender closed");
    for (int i = 0; i < 2; i++) {
        waiter w = { .c = b, .cap = 16 };
        pthread_t t;
        harness_thread_start(&t, recv_once, &w);
        HARNESS_CHECK(wait_flag(&w.done, 3000), "the other end closed and every message was "
                      "read, but chan_recv still waits 3 s later: it must return 0 (does an end "
                      "keep the other end's write descriptor open?)");
        harness_thread_join(t);
        char s[64];
        HARNESS_CHECK(w.got == 0, "the other end closed and every message was read: chan_recv "
                      "returned %s%s, expected 0 (the end of the stream)",
                      said(w.got, w.err, s, sizeof s), i ? " the second time" : "");
    }
    chan_close(b);
}
END_TEST

/* Mostly small messages, one in 5 more than PIPE_BUF. */
static size_t stream_size(size_t i, uint64_t seed)
{
    uint64_t x = (seed + i) * 0x9E3779B97F4A7C15ull;
    return i % 5 == 4 ? PIPE_BUF + 1 + (size_t)((x >> 20) % 70000) : 1 + (size_t)((x >> 20) % 300);
}

/* Many messages in a row, sender and receiver at once, with short reads
 * and writes: none lost, torn, merged or out of order. */
START_TEST(stream_in_order)
{
    size_t count = harness_under_tsan() ? 60 : 200;
    io_faults(true);
    chan_t *b, *a = pair_ok(&b);
    sender s = { .c = a, .count = count, .seed = harness_seed() * 7919, .size = stream_size };
    pthread_t t;
    harness_thread_start(&t, send_all, &s);
    recv_all(b, &s, 1 << 20);
    harness_thread_join(t);
    if (!atomic_load(&s.failed))
        chan_close(a);
    chan_close(b);
}
END_TEST

/* The other side of the seed's scenario, many times: receive a message,
 * send it back twice over, until the end of the stream; then close. */
typedef struct doubler {
    chan_t *c;
    size_t answered;
    long last;    /* what the last chan_recv returned */
    int last_err;
    int send_rc;  /* what the last chan_send returned */
    atomic_bool done;
} doubler;

static void *double_back(void *p)
{
    doubler *d = p;
    static _Thread_local char buf[2 * 2000];
    for (;;) {
        errno = 0;
        d->last = (long)chan_recv(d->c, buf, 2000);
        d->last_err = errno;
        if (d->last <= 0 || d->last > 2000)
            break;
        memcpy(buf + d->last, buf, (size_t)d->last);
        d->send_rc = chan_send(d->c, buf, 2 * (size_t)d->last);
        if (d->send_rc != 0)
            break;
        d->answered++;
    }
    chan_close(d->c);
    atomic_store(&d->done, true);
    return NULL;
}

/* Two threads, one on each end, both ends busy at once (also under
 * ThreadSanitizer): what one end does must not touch the other's data. */
START_TEST(two_ends_at_once)
{
    size_t rounds = harness_under_tsan() ? 40 : 200;
    chan_t *b, *a = pair_ok(&b);
    doubler d = { .c = b };
    pthread_t t;
    harness_thread_start(&t, double_back, &d);
    uint64_t seed = harness_seed();
    static unsigned char buf[4000];
    char why[512] = "", s[256];
    bool ok = true;
    for (size_t i = 0; ok && i < rounds; i++) {
        size_t len = 1 + (size_t)((seed + i * 7) % 2000);
        int rc = send_pattern(a, len, seed + i);
        if (rc != 0) {
            snprintf(why, sizeof why, "chan_send(a) of message %zu (%zu bytes) %s", i + 1, len,
                     send_verdict(rc, 0, s, sizeof s));
            ok = false;
            break;
        }
        errno = 0;
        ssize_t n = chan_recv(a, buf, sizeof buf);
        size_t bad = 0;
        if (n != (ssize_t)(2 * len) || !same_pattern(buf, len, seed + i, &bad) ||
            !same_pattern(buf + len, len, seed + i, &bad)) {
            snprintf(why, sizeof why, "round %zu: a sent %zu bytes, b sent them back twice "
                     "over (%zu bytes), but chan_recv(a) returned %s%s", i + 1, len, 2 * len,
                     said((long)n, errno, s, sizeof s),
                     n == (ssize_t)(2 * len) ? " with other bytes" : "");
            ok = false;
        }
    }
    chan_close(a);
    HARNESS_CHECK(wait_flag(&d.done, 3000), "%s%sa closed, and b's chan_recv still waits 3 s "
                  "later: it must return 0 (does an end keep the other end's write descriptor "
                  "open?)", why, why[0] ? "; then " : "");
    harness_thread_join(t);
    HARNESS_CHECK(d.send_rc == 0, "chan_send(b) of answer %zu %s", d.answered + 1,
                  send_verdict(d.send_rc, 0, s, sizeof s));
    HARNESS_CHECK(ok, "%s", why);
    HARNESS_CHECK(d.answered == rounds && d.last == 0, "b answered %zu of %zu messages, then "
                  "its chan_recv returned %s after a closed: expected 0 (the end of the stream)",
                  d.answered, rounds, said(d.last, d.last_err, s, sizeof s));
}
END_TEST

/* A receiver asleep in chan_recv wakes up with 0 when the other end closes. */
START_TEST(recv_wakes_at_close)
{
    chan_t *b, *a = pair_ok(&b);
    waiter w = { .c = b, .cap = 64 };
    pthread_t t;
    recv_in_background(&w, &t);
    HARNESS_CHECK(!atomic_load(&w.done), "chan_recv returned %ld before anything was sent "
                  "(errno %s): it must wait for a message", w.got, errno_name(w.err));
    chan_close(a);
    wait_flag(&w.done, 3000);
    HARNESS_CHECK(atomic_load(&w.done), "chan_recv(b) still waits 3 s after chan_close(a): the "
                  "reader sees the end of a pipe only when every copy of its write end is "
                  "closed (does b, or a's chan_close, keep a's write end open?)");
    harness_thread_join(t);
    char s[64];
    HARNESS_CHECK(w.got == 0, "chan_recv(b) was waiting when a closed: it returned %s, "
                  "expected 0 (the end of the stream)", said(w.got, w.err, s, sizeof s));
    chan_close(b);
}
END_TEST

const graded_test public_tests[] = {
    GRADED(send_recv_doubles, "functional"),
    GRADED(sizes_with_short_io, "functional"),
    GRADED(too_small_buffer, "functional"),
    GRADED(end_of_stream, "functional"),
    GRADED(stream_in_order, "ordering"),
    GRADED(two_ends_at_once, "race"),
    GRADED(recv_wakes_at_close, "deadlock"),
    { 0 }
};
