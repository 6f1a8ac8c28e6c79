/* test_hidden.c - lesson 17's hidden tests (not in the student handout):
 * empty messages, a stream that ends inside a message, a closed peer
 * (EPIPE, never SIGPIPE), descriptors left open (also when chan_pair fails
 * half-way), EMSGSIZE in a stream, both ends sending at once, a sender
 * woken by the receiver's close. Helpers: test_support.h and
 * grader/harness/harness.h. */
#include "harness.h"
#include "test_support.h"

#include <limits.h>
#include <string.h>

/* len 0 is EINVAL (returned, not -1), and sends nothing (the next message
 * is the next one). */
START_TEST(empty_message_einval)
{
    chan_t *b, *a = pair_ok(&b);
    int rc = chan_send(a, "x", 0);
    char s[256];
    HARNESS_CHECK(rc == EINVAL, "a message has at least 1 byte: chan_send(a, \"x\", 0) %s",
                  send_verdict(rc, EINVAL, s, sizeof s));
    rc = chan_send(a, "hello", 5);
    HARNESS_CHECK(rc == 0, "chan_send(a, \"hello\", 5) %s", send_verdict(rc, 0, s, sizeof s));
    char buf[16] = { 0 };
    ssize_t n = chan_recv(b, buf, sizeof buf);
    HARNESS_CHECK(n == 5 && memcmp(buf, "hello", 5) == 0, "after a refused empty message and "
                  "\"hello\", chan_recv(b) returned %s%s: the empty message must not be sent",
                  said(n, errno, s, sizeof s), n == 0 ? " (as if the stream had ended)" : "");
    chan_close(a);
    chan_close(b);
}
END_TEST

typedef struct cut_sender {
    chan_t *c;
    size_t len, budget;
    uint64_t seed;
    int rc; /* what chan_send returned */
    atomic_bool done;
} cut_sender;

static void *send_and_die(void *p)
{
    cut_sender *s = p;
    s->rc = send_cut(s->c, s->len, s->seed, s->budget);
    atomic_store(&s->done, true);
    return NULL;
}

/* The sender's writes fail half-way through a message (as if its process
 * died), then it closes: the receiver must say EIO, not 0. */
START_TEST(torn_message_is_eio)
{
    enum { LEN = 300000, BUDGET = 150000 };
    chan_t *b, *a = pair_ok(&b);
    waiter r = { .c = b, .cap = LEN };
    cut_sender s = { .c = a, .len = LEN, .budget = BUDGET, .seed = harness_seed() };
    pthread_t tr, ts;
    harness_thread_start(&tr, recv_once, &r);
    harness_thread_start(&ts, send_and_die, &s);
    for (int ms = 0; ms < 3000 && !atomic_load(&s.done) && !atomic_load(&r.done); ms++)
        harness_sleep_ms(1);
    char w[256];
    HARNESS_CHECK(atomic_load(&s.done) || !atomic_load(&r.done), "the sender was still in the "
                  "middle of a %d-byte message, and chan_recv(cap %d) returned %s: it must "
                  "read until the whole message came", LEN, LEN, said(r.got, r.err, w, sizeof w));
    HARNESS_CHECK(wait_flag(&s.done, 3000), "chan_send of %d bytes still waits 3 s after its "
                  "write failed with EIO: it must return EIO", LEN);
    harness_thread_join(ts);
    HARNESS_CHECK(s.rc == EIO, "a write of chan_send failed with EIO after %d of the "
                  "message's %d bytes (chan_send returns the error of the write): chan_send %s",
                  BUDGET, LEN, send_verdict(s.rc, EIO, w, sizeof w));
    chan_close(a);
    HARNESS_CHECK(wait_flag(&r.done, 3000), "the sender closed half-way through a %d-byte message, "
                  "and chan_recv still waits 3 s later: it must see the end of the stream", LEN);
    harness_thread_join(tr);
    HARNESS_CHECK(r.got == -1 && r.err == EIO, "the stream ended inside a message (the sender "
                  "died after about %d of its %d bytes): chan_recv returned %s, expected -1 with "
                  "errno EIO%s", BUDGET, LEN, said(r.got, r.err, w, sizeof w),
                  r.got == 0 ? " (0 says the stream ended between two messages: it did not)" : "");
    chan_close(b);
}
END_TEST

/* Sends to a closed peer: EPIPE, and no write that SIGPIPE could
 * end the process in. */
START_TEST(closed_peer_epipe)
{
    io_faults(true);
    io_stats before = io_look();
    chan_t *b, *a = pair_ok(&b);
    uint64_t seed = harness_seed();
    send_ok(a, 100, seed, "a first message");
    recv_ok(b, 100, 100, seed, "a first message");
    io_stats io = io_look();
    HARNESS_CHECK(io.sigpipe_writes == 0, "%llu write(s) to your pipes ran while SIGPIPE would "
                  "have killed the process, had the reader been gone: block or ignore SIGPIPE "
                  "around them, or use send(..., MSG_NOSIGNAL) on a socketpair",
                  (unsigned long long)io.sigpipe_writes);
    chan_close(b);
    char s[256];
    size_t sizes[] = { 100, 100000 };
    for (size_t i = 0; i < 2; i++) {
        int rc = send_pattern(a, sizes[i], seed + 1 + i);
        HARNESS_CHECK(rc == EPIPE, "the other end is closed: chan_send of %zu bytes %s",
                      sizes[i], send_verdict(rc, EPIPE, s, sizeof s));
    }
    io = io_look();
    HARNESS_CHECK(io.sigpipe_writes == 0, "chan_send returned EPIPE, but %llu write(s) ran while "
                  "SIGPIPE could kill the process", (unsigned long long)io.sigpipe_writes);
    chan_close(a);
    HARNESS_CHECK(io_look().open_fds == before.open_fds, "after chan_close of both ends, "
                  "descriptors your code opened are still open: %s", harness_fds_where(0));
}
END_TEST

/* Descriptors: none left after both ends close, in either order; none
 * left when chan_pair fails for want of descriptors. */
START_TEST(no_descriptor_left)
{
    uint64_t base = io_look().open_fds, mark = harness_fd_mark();
    for (int i = 0; i < 3; i++) {
        chan_t *b, *a = pair_ok(&b);
        send_ok(b, 10, harness_seed() + (uint64_t)i, "a message from b");
        recv_ok(a, 10, 10, harness_seed() + (uint64_t)i, "a message from b");
        chan_close(i % 2 ? b : a);
        chan_close(i % 2 ? a : b);
        uint64_t now = io_look().open_fds;
        HARNESS_CHECK(now == base, "after chan_close of both ends (%s first), %llu descriptor(s) "
                      "your code opened are still open: chan_close must close every "
                      "descriptor of its end. Still open: %s", i % 2 ? "b" : "a",
                      (unsigned long long)(now - base), harness_fds_where(mark));
    }
    for (int left = 0; left <= 5; left++) {
        squeezed q = pair_squeezed(left);
        if (q.rc == SQUEEZE_NOT_TRIED)
            break;
        if (q.rc == 0) {
            chan_close((chan_t *)(uintptr_t)q.a);
            chan_close((chan_t *)(uintptr_t)q.b);
        }
        uint64_t now = io_look().open_fds;
        HARNESS_CHECK(now == base, "with only %d descriptor(s) free, chan_pair returned %d (%s) "
                      "and %llu descriptor(s) it opened stay open%s. Still open: %s", left,
                      (int)q.rc, errno_name((int)q.rc), (unsigned long long)(now - base),
                      q.rc ? ": when a later pipe() fails, close the ones already made before "
                      "returning the error" : " after chan_close of both ends",
                      harness_fds_where(mark));
        HARNESS_CHECK(q.rc != 0 || left >= 2, "with only %d descriptor(s) free chan_pair "
                      "returned 0: it cannot have made its ends", left);
    }
}
END_TEST

/* Mostly small messages, one in 4 more than PIPE_BUF. */
static size_t mixed_size(size_t i, uint64_t seed)
{
    uint64_t x = (seed + i) * 0xD1B54A32D192ED03ull;
    return i % 4 == 2 ? PIPE_BUF + 1 + (size_t)((x >> 20) % 30000) : 1 + (size_t)((x >> 20) % 500);
}

/* A stream where every third message first meets a buffer one byte too
 * small: EMSGSIZE, then the same message whole, and the rest in order. */
START_TEST(emsgsize_in_stream)
{
    size_t count = harness_under_tsan() ? 45 : 150;
    io_faults(true);
    chan_t *b, *a = pair_ok(&b);
    sender snd = { .c = a, .count = count, .seed = harness_seed() * 31, .size = mixed_size };
    pthread_t t;
    harness_thread_start(&t, send_all, &snd);
    char why[512], what[96], s[256];
    static unsigned char small[40000];
    for (size_t i = 0; i < count; i++) {
        size_t len = mixed_size(i, snd.seed);
        if (i % 3 == 1) {
            errno = 0;
            ssize_t n = atomic_load(&snd.failed) ? -3 : chan_recv(b, small, len - 1);
            int err = errno;
            HARNESS_CHECK(!atomic_load(&snd.failed), "chan_send of message %zu %s",
                          atomic_load(&snd.done) + 1, send_verdict(snd.rc, 0, s, sizeof s));
            HARNESS_CHECK(n == -1 && err == EMSGSIZE, "message %zu of %zu has %zu bytes: "
                          "chan_recv(cap %zu) returned %s, expected -1 with errno EMSGSIZE",
                          i + 1, count, len, len - 1, said((long)n, err, s, sizeof s));
        }
        snprintf(what, sizeof what, "message %zu of %zu in a row%s", i + 1, count,
                 i % 3 == 1 ? ", after its EMSGSIZE" : "");
        bool ok = !atomic_load(&snd.failed) &&
                  recv_check(b, len, len, snd.seed + i, what, why, sizeof why);
        HARNESS_CHECK(!atomic_load(&snd.failed), "chan_send of message %zu %s",
                      atomic_load(&snd.done) + 1, send_verdict(snd.rc, 0, s, sizeof s));
        HARNESS_CHECK(ok, "%s", why);
    }
    harness_thread_join(t);
    chan_close(a);
    chan_close(b);
}
END_TEST

typedef struct both {
    chan_t *c;
    uint64_t seed;      /* what this end sends */
    uint64_t peer_seed; /* what it receives */
    size_t count;
    char why[384];
} both;

/* Sends count messages, then receives the peer's count (all fit in the
 * pipe: nobody waits for the other to read). */
static void *send_then_receive(void *p)
{
    both *e = p;
    for (size_t i = 0; i < e->count; i++) {
        size_t len = 1 + (size_t)((e->seed + i) % 700);
        int rc = send_pattern(e->c, len, e->seed + i);
        if (rc != 0) {
            char s[256];
            snprintf(e->why, sizeof e->why, "chan_send of message %zu (%zu bytes) %s", i + 1,
                     len, send_verdict(rc, 0, s, sizeof s));
            return NULL;
        }
    }
    char what[64];
    for (size_t i = 0; i < e->count; i++) {
        size_t len = 1 + (size_t)((e->peer_seed + i) % 700);
        snprintf(what, sizeof what, "message %zu of %zu", i + 1, e->count);
        if (!recv_check(e->c, 1000, len, e->peer_seed + i, what, e->why, sizeof e->why))
            return NULL;
    }
    return NULL;
}

/* Both ends send at once, then both receive (also under ThreadSanitizer):
 * the two ends share nothing that is not protected. */
START_TEST(both_send_at_once)
{
    size_t rounds = harness_under_tsan() ? 5 : 20;
    for (size_t r = 0; r < rounds; r++) {
        chan_t *b, *a = pair_ok(&b);
        uint64_t sa = harness_seed() + r * 1000, sb = sa + 500;
        both ea = { a, sa, sb, 20, "" }, eb = { b, sb, sa, 20, "" };
        pthread_t ta, tb;
        harness_thread_start(&ta, send_then_receive, &ea);
        harness_thread_start(&tb, send_then_receive, &eb);
        harness_thread_join(ta);
        harness_thread_join(tb);
        HARNESS_CHECK(ea.why[0] == 0, "both ends sent 20 messages at once, then end a: %s",
                      ea.why);
        HARNESS_CHECK(eb.why[0] == 0, "both ends sent 20 messages at once, then end b: %s",
                      eb.why);
        chan_close(a);
        chan_close(b);
    }
}
END_TEST

typedef struct big_sender {
    chan_t *c;
    size_t len;
    atomic_int tid;
    atomic_bool done;
    int rc; /* what chan_send returned */
} big_sender;

static void *send_big(void *p)
{
    big_sender *s = p;
    atomic_store(&s->tid, harness_gettid());
    s->rc = send_pattern(s->c, s->len, harness_seed());
    atomic_store(&s->done, true);
    return NULL;
}

/* A sender asleep in the middle of a 1 MB message (the pipe is full) when
 * the receiver closes: EPIPE, at once, and the process lives. */
START_TEST(peer_closes_mid_message)
{
    io_faults(true);
    chan_t *b, *a = pair_ok(&b);
    big_sender s = { .c = a, .len = 1 << 20 };
    pthread_t t;
    harness_thread_start(&t, send_big, &s);
    while (atomic_load(&s.tid) == 0)
        harness_sleep_ms(1);
    int tid = atomic_load(&s.tid);
    harness_wait_asleep(&tid, 1, 20, 2000);
    char w[256];
    HARNESS_CHECK(!atomic_load(&s.done), "chan_send of 1 MB returned %s while nobody read: a "
                  "pipe holds far less (it must block until every byte is written)",
                  err_said(s.rc, w, sizeof w));
    chan_close(b);
    for (int ms = 0; ms < 3000 && !atomic_load(&s.done); ms++)
        harness_sleep_ms(1);
    HARNESS_CHECK(atomic_load(&s.done), "chan_send still waits 3 s after the other end closed: "
                  "a write to a pipe whose every read end is closed fails with EPIPE (does "
                  "the sender's end keep the other end's read end open?)");
    harness_thread_join(t);
    HARNESS_CHECK(s.rc == EPIPE, "the other end closed in the middle of a 1 MB message: "
                  "chan_send %s", send_verdict(s.rc, EPIPE, w, sizeof w));
    chan_close(a);
}
END_TEST

const graded_test hidden_tests[] = {
    GRADED(empty_message_einval, "functional"),
    GRADED(torn_message_is_eio, "functional"),
    GRADED(closed_peer_epipe, "functional"),
    GRADED(no_descriptor_left, "functional"),
    GRADED(emsgsize_in_stream, "ordering"),
    GRADED(both_send_at_once, "race"),
    GRADED(peer_closes_mid_message, "deadlock"),
    { 0 }
};
