/* test_support.h - lesson 17's test helpers, shared by the public tests,
 * the grader's hidden tests and test_remote.c: the pattern the tests' big
 * messages are made of, messages sent and checked byte by byte, and the
 * grader's look at your pipes. Tests only; nothing here is part of the
 * lesson's API. The helpers every lesson may use are in
 * grader/harness/harness.h.
 */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include "pipe.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Byte i of the message made from this seed. */
static inline unsigned char pattern_byte(uint64_t seed, uint64_t i)
{
    uint64_t x = (seed + i) * 0x9E3779B97F4A7C15ull;
    return (unsigned char)((x ^ (x >> 29)) >> 40);
}

/* What the grader saw of your process's descriptors (intercept_io.c). */
typedef struct io_stats {
    uint64_t open_fds, sigpipe_writes, shorts, eintrs;
} io_stats;

/* What one call returned; errno after it (chan_recv's: chan_send answers
 * with its return value alone); spare: 1 when the test's own code in your
 * process failed, not yours. */
typedef struct call_result {
    int64_t ret;
    int32_t err;
    int32_t spare;
} call_result;

/* chan_pair squeezed: what it returned when only `free_fds` descriptors
 * were left (SQUEEZE_NOT_TRIED: the grader could not leave so few), and
 * the ends it made. */
#define SQUEEZE_NOT_TRIED (-1000)
typedef struct squeezed {
    int64_t rc;
    uint64_t a, b;
} squeezed;

#ifndef REMOTE_SUBJECT
#include "harness.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

/* Sends a message of len pattern bytes made from seed; made in your
 * process, as big as you like. Returns what chan_send returned. */
int send_pattern(chan_t *c, size_t len, uint64_t seed);
/* The same, but your process's writes move only budget bytes in all during
 * this call, then fail with EIO: a writer that died in the middle. */
int send_cut(chan_t *c, size_t len, uint64_t seed, size_t budget);
/* chan_pair with only free_fds descriptors left to open. */
squeezed pair_squeezed(int free_fds);
/* Seeded short reads and writes and EINTR on your pipes and sockets. */
void io_faults(bool on);
io_stats io_look(void);

/* The name of an errno value the tests meet, or NULL. */
static inline const char *errno_known(int e)
{
    switch (e) {
    case EINTR: return "EINTR";
    case EPIPE: return "EPIPE";
    case EIO: return "EIO";
    case EMSGSIZE: return "EMSGSIZE";
    case EINVAL: return "EINVAL";
    case EAGAIN: return "EAGAIN";
    case EBADF: return "EBADF";
    case ENOSYS: return "ENOSYS";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOMEM: return "ENOMEM";
    case ECONNRESET: return "ECONNRESET";
    case EFAULT: return "EFAULT";
    default: return NULL;
    }
}

static inline const char *errno_name(int e)
{
    return e == 0 ? "0" : errno_known(e) ? errno_known(e) : "another error";
}

/* "0", "EPIPE (32)", "1234": an errno value (or what chan_send returned),
 * for messages. */
static inline const char *err_said(int e, char *buf, size_t len)
{
    if (e > 0 && errno_known(e))
        snprintf(buf, len, "%s (%d)", errno_known(e), e);
    else
        snprintf(buf, len, "%d", e);
    return buf;
}

/* chan_send returns 0 or an errno value, not -1 with errno set. What it
 * returned (rc), against what it should have (want), for messages:
 * "returned EINTR (4), expected 0: EINTR means ...", "returned -1: it
 * returns 0 or an errno value, not -1", "returned -1, expected EPIPE (32):
 * it returns 0 or an errno value, not -1". */
static inline const char *send_verdict(int rc, int want, char *buf, size_t len)
{
    char got[48], exp[48];
    err_said(want, exp, sizeof exp);
    if (rc < 0)
        snprintf(buf, len, "returned %d%s%s: it returns 0 or an errno value, not %d", rc,
                 want ? ", expected " : "", want ? exp : "", rc);
    else
        snprintf(buf, len, "returned %s, expected %s%s", err_said(rc, got, sizeof got), exp,
                 rc == EINTR ? ": EINTR means a signal came before anything moved; call write "
                 "again" : "");
    return buf;
}

/* "0", "-1 (errno EPIPE)", "37": what a call returned, for messages. */
static inline const char *said(long ret, int err, char *buf, size_t len)
{
    if (ret < 0)
        snprintf(buf, len, "%ld (errno %s)", ret, errno_name(err));
    else
        snprintf(buf, len, "%ld", ret);
    return buf;
}

/* Two connected ends, or the test fails. */
static inline chan_t *pair_ok(chan_t **b)
{
    chan_t *a = NULL;
    *b = NULL;
    int rc = chan_pair(&a, b);
    HARNESS_CHECK(rc == 0, "chan_pair returned %d (%s), expected 0", rc, errno_name(rc));
    HARNESS_CHECK(a != NULL && *b != NULL && a != *b, "chan_pair returned 0 but did not set two "
                  "different ends (%p, %p)", (void *)a, (void *)*b);
    return a;
}

/* send_pattern must return 0; `what` says which message, for the message. */
static inline void send_ok(chan_t *c, size_t len, uint64_t seed, const char *what)
{
    int rc = send_pattern(c, len, seed);
    char s[256];
    HARNESS_CHECK(rc == 0, "chan_send of %s (%zu bytes) %s", what, len,
                  send_verdict(rc, 0, s, sizeof s));
}

/* Why a message that came was not the one sent, or NULL: the first byte
 * that differs. */
static inline bool same_pattern(const unsigned char *buf, size_t len, uint64_t seed,
                                size_t *bad)
{
    for (size_t i = 0; i < len; i++)
        if (buf[i] != pattern_byte(seed, i)) {
            *bad = i;
            return false;
        }
    return true;
}

/* chan_recv(c, buf, cap) gives exactly the len bytes made from seed:
 * true, else false with why[] saying what came instead. */
static inline bool recv_check(chan_t *c, size_t cap, size_t len, uint64_t seed,
                              const char *what, char *why, size_t whylen)
{
    static _Thread_local unsigned char *buf;
    static _Thread_local size_t have;
    if (have < cap) {
        free(buf);
        buf = malloc(cap);
        have = buf ? cap : 0;
        ck_assert_msg(buf != NULL, "the test is out of memory");
    }
    errno = 0;
    ssize_t got = chan_recv(c, buf, cap);
    int err = errno;
    char s[64];
    size_t bad = 0;
    if (got != (ssize_t)len) {
        snprintf(why, whylen, "chan_recv(cap %zu) for %s (%zu bytes) returned %s%s", cap, what,
                 len, said((long)got, err, s, sizeof s),
                 got == 0 ? ": 0 means the end of the stream, but the other end is open or "
                 "has messages left"
                 : got < 0 && err == EINTR ? ": EINTR means a signal came before anything "
                 "moved; call read again"
                 : got < 0 && err == EIO ? ": the stream did not end; a read may return fewer "
                 "bytes than asked (loop until the whole header and message came)"
                 : got < 0 && err == EMSGSIZE ? ": the buffer was big enough; was a length "
                 "misread, or a message dropped after an earlier EMSGSIZE?"
                 : got > 0 && (size_t)got < len ? ": a part of it; a read may return fewer "
                 "bytes than asked (loop until the whole message came)"
                 : got > 0 ? ": more than was sent (two messages merged? a length misread?)"
                 : "");
        return false;
    }
    if (!same_pattern(buf, len, seed, &bad)) {
        snprintf(why, whylen, "chan_recv returned the right length for %s (%zu bytes) but "
                 "byte %zu is not the byte sent there (bytes lost: a write may move fewer bytes "
                 "than asked, loop until all went; or taken from another message)", what, len, bad);
        return false;
    }
    return true;
}

/* recv_check, or the test fails with what came. */
static inline void recv_ok(chan_t *c, size_t cap, size_t len, uint64_t seed, const char *what)
{
    char why[512];
    bool ok = recv_check(c, cap, len, seed, what, why, sizeof why);
    HARNESS_CHECK(ok, "%s", why);
}

/* Polls *flag for up to ms (real time): true once it is set. */
static inline bool wait_flag(atomic_bool *flag, unsigned ms)
{
    for (unsigned i = 0; i < ms && !atomic_load(flag); i++)
        harness_sleep_ms(1);
    return atomic_load(flag);
}

/* One chan_recv on a helper thread, so that a test can bound its wait. */
typedef struct waiter {
    chan_t *c;
    size_t cap;
    atomic_int tid;
    atomic_bool done;
    long got;
    int err;
} waiter;

static inline void *recv_once(void *p)
{
    waiter *w = p;
    unsigned char *buf = malloc(w->cap ? w->cap : 1);
    atomic_store(&w->tid, harness_gettid());
    errno = 0;
    w->got = buf ? (long)chan_recv(w->c, buf, w->cap) : -2;
    w->err = errno;
    free(buf);
    atomic_store(&w->done, true);
    return NULL;
}

/* Starts w's chan_recv on a helper thread and waits until that thread
 * sleeps in it (or it returned). */
static inline void recv_in_background(waiter *w, pthread_t *t)
{
    harness_thread_start(t, recv_once, w);
    while (atomic_load(&w->tid) == 0)
        harness_sleep_ms(1);
    int tid = atomic_load(&w->tid);
    harness_wait_asleep(&tid, 1, 20, 2000);
}

/* A thread that sends count messages on its end: message i has
 * size(i, seed) bytes made from seed + i. On a failure it records it, then
 * closes its end (so the receiver is not left waiting). */
typedef struct sender {
    chan_t *c;
    size_t count;
    uint64_t seed;
    size_t (*size)(size_t i, uint64_t seed);
    atomic_size_t done; /* messages sent */
    atomic_bool failed;
    int rc;             /* what chan_send returned, once failed is set */
} sender;

static inline void *send_all(void *p)
{
    sender *s = p;
    for (size_t i = 0; i < s->count; i++) {
        int rc = send_pattern(s->c, s->size(i, s->seed), s->seed + i);
        if (rc != 0) {
            s->rc = rc;
            atomic_store(&s->failed, true);
            chan_close(s->c);
            return NULL;
        }
        atomic_fetch_add(&s->done, 1);
    }
    return NULL;
}

/* Receives the sender's messages on c (cap: exactly each message's size,
 * or 0: big_cap) and checks each; fails the test on the first wrong one,
 * or the sender's failure. */
static inline void recv_all(chan_t *c, sender *s, size_t big_cap)
{
    char why[512], what[64], r[256];
    for (size_t i = 0; i < s->count; i++) {
        size_t len = s->size(i, s->seed);
        snprintf(what, sizeof what, "message %zu of %zu in a row", i + 1, s->count);
        bool ok = !atomic_load(&s->failed) &&
                  recv_check(c, big_cap ? big_cap : len, len, s->seed + i, what, why, sizeof why);
        if (!ok && atomic_load(&s->failed)) {
            size_t k = atomic_load(&s->done);
            HARNESS_CHECK(false, "chan_send of message %zu (%zu bytes) %s", k + 1,
                          s->size(k, s->seed), send_verdict(s->rc, 0, r, sizeof r));
        }
        HARNESS_CHECK(ok, "%s", why);
    }
}
#endif

#endif
