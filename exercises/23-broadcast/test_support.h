/* test_support.h - lesson 23's test helpers, shared by the public tests,
 * the grader's hidden tests and test_remote.c: the frames the tests
 * publish (payloads computed from a seed), the read of a subscriber's pipe,
 * and the check of what came out of it, frame by frame. Tests only;
 * nothing here is part of the lesson's API. The helpers every lesson may
 * use are in grader/harness/harness.h.
 *
 * What a subscriber received is judged here, in the tests' process: your
 * process only hands over the raw bytes that were on the pipe.
 */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include "broadcast.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest payload: length and payload in one write of PIPE_BUF bytes. */
#define FRAME_MAX (PIPE_BUF - sizeof(size_t))

/* What the read of a pipe ended on: SUB_ERROR + errno for an error. */
enum { SUB_OPEN, SUB_EOF, SUB_ERROR };
#define SUB_READ_MAX (64u << 10) /* bytes per round trip (RPC_MAX_BLOB) */

/* The engine's book of your descriptors (grader/harness/intercept_io.c). */
typedef struct io_stats {
    uint64_t open_fds, eagains, eintrs;
} io_stats;

#ifndef REMOTE_SUBJECT
#include "harness.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Reads the bytes waiting on subscriber fd now (up to cap; never waits),
 * as your process's read() returned them; *status says how it ended. */
long sub_read(int fd, void *buf, size_t cap, int *status);
/* Seeded faults on your pipes (remote.h: REMOTE_IO_PIPES | REMOTE_IO_EAGAIN):
 * on a non-blocking write end, the second write always fails with EAGAIN,
 * later ones one time in eight, as on a pipe that is full. */
void io_faults(bool on);
io_stats io_look(void);

/* ---- the frames the tests publish ---------------------------------------- */

#define FRAMES_MAX 8192

/* Every frame published in a test, in order: its payload is
 * payload_byte(seed, id, 0..len-1), and hub_publish returned count. */
typedef struct frames {
    uint64_t seed;
    size_t n;
    uint32_t len[FRAMES_MAX], id[FRAMES_MAX], count[FRAMES_MAX];
} frames;

static inline unsigned char payload_byte(uint64_t seed, uint64_t id, uint64_t i)
{
    uint64_t x = (seed ^ (id * 0xD1B54A32D192ED03ull)) + (i + 1) * 0x9E3779B97F4A7C15ull;
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 29;
    return (unsigned char)x;
}

static inline void frames_init(frames *f)
{
    f->seed = harness_seed();
    f->n = 0;
}

/* Publishes a new frame of len payload bytes (repeat > 1: the same frame
 * repeat times in a row, with harness_repeat), records it, returns the
 * last call's count. Safe on a helper thread (it checks nothing; the
 * tests' sizes stay within FRAMES_MAX). */
static inline size_t publish_frame(hub_t *h, frames *f, size_t len, size_t repeat)
{
    unsigned char buf[FRAME_MAX];
    uint32_t id = (uint32_t)f->n;
    if (repeat == 0)
        repeat = 1;
    if (f->n + repeat > FRAMES_MAX || len > FRAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++)
        buf[i] = payload_byte(f->seed, id, i);
    if (repeat == 1) {
        size_t c = hub_publish(h, buf, len);
        f->len[f->n] = (uint32_t)len;
        f->id[f->n] = id;
        f->count[f->n++] = (uint32_t)c;
        return c;
    }
    harness_repeat(repeat);
    hub_publish(h, buf, len);
    const harness_repeat_result *r = harness_repeat_results();
    size_t c = 0;
    for (size_t i = 0; i < r->nruns; i++) { /* every call's value, in order */
        for (uint64_t j = 0; j < r->runs[i].count; j++) {
            f->len[f->n] = (uint32_t)len;
            f->id[f->n] = id;
            f->count[f->n++] = (uint32_t)r->runs[i].value;
        }
        c = (size_t)r->runs[i].value;
    }
    return c;
}

/* Frame k's payload is the bytes p[0..len). */
static inline bool frame_is(const frames *f, size_t k, const unsigned char *p, size_t len)
{
    if (f->len[k] != len)
        return false;
    for (size_t i = 0; i < len; i++)
        if (p[i] != payload_byte(f->seed, f->id[k], i))
            return false;
    return true;
}

/* The first frame in [from, to) whose payload is p[0..len), or to. */
static inline size_t frame_find(const frames *f, size_t from, size_t to,
                                const unsigned char *p, size_t len)
{
    for (size_t k = from; k < to; k++)
        if (frame_is(f, k, p, len))
            return k;
    return to;
}

/* ---- what a subscriber got ------------------------------------------------- */

/* A subscriber's pipe as the test reads it: the raw bytes, then which
 * frames they hold. joined: the frames published before it subscribed. */
typedef struct sub_got {
    int fd;
    size_t joined;
    size_t len;
    unsigned char *raw; /* cap bytes, the test's own buffer */
    size_t cap;
    size_t frames;      /* whole frames found */
    unsigned char seen[FRAMES_MAX]; /* seen[k]: frame k was among them */
} sub_got;

/* Appends what is on the subscriber's pipe now to g->raw; the test fails
 * when the read end is not open or the test's buffer is full. */
static inline void sub_take(sub_got *g, const char *what)
{
    int status;
    long n = sub_read(g->fd, g->raw + g->len, g->cap - g->len, &status);
    g->len += (size_t)n;
    HARNESS_CHECK(status != SUB_EOF, "%s: reading descriptor %d (from hub_subscribe) found "
                  "the pipe's write end closed: keep both ends open until hub_unsubscribe",
                  what, g->fd);
    HARNESS_CHECK(status == SUB_OPEN, "%s: reading descriptor %d (from hub_subscribe) failed "
                  "with error %d%s: hub_subscribe must return the read end of the pipe, open "
                  "until hub_unsubscribe", what, g->fd, status - SUB_ERROR,
                  status - SUB_ERROR == 9 ? " (EBADF: not an open descriptor)" : "");
    HARNESS_CHECK(g->len < g->cap, "%s: more than %zu bytes were waiting on the pipe, more "
                  "than every frame published could make", what, g->cap);
}

/* Splits g->raw into frames and checks each against the frames published
 * since the subscriber joined: each whole, in the order published, none
 * twice (every: all of them, none skipped). Fills g->seen and g->frames.
 * False with one sentence in why[] about the first thing wrong. */
static inline bool sub_parse(const frames *f, sub_got *g, bool every, const char *what,
                             char *why, size_t wlen)
{
    size_t pos = 0, next = g->joined;
    memset(g->seen, 0, sizeof g->seen);
    g->frames = 0;
    while (pos < g->len) {
        size_t left = g->len - pos, len;
        if (left < sizeof len) {
            snprintf(why, wlen, "%s: after %zu whole frames the pipe holds %zu more bytes, too "
                     "few for a length (a size_t): part of a frame was written. Write each "
                     "frame, length and payload, in ONE write", what, g->frames, left);
            return false;
        }
        memcpy(&len, g->raw + pos, sizeof len);
        if (len == 0 || len > FRAME_MAX) {
            snprintf(why, wlen, "%s: after %zu whole frames comes a length of %zu, which no "
                     "published frame had (1 to %zu): the bytes before it were not a whole "
                     "frame (a length whose payload never went?) or the length is not a "
                     "native size_t. Write each frame, length and payload, in ONE write",
                     what, g->frames, len, (size_t)FRAME_MAX);
            return false;
        }
        if (left - sizeof len < len) {
            snprintf(why, wlen, "%s: the last frame on the pipe says %zu payload bytes but "
                     "only %zu follow: a torn frame (its length went in one write, its payload "
                     "in another that failed with EAGAIN, the pipe being full). Write length "
                     "and payload in ONE write of at most PIPE_BUF bytes: all or nothing",
                     what, len, left - sizeof len);
            return false;
        }
        const unsigned char *p = g->raw + pos + sizeof len;
        size_t k = frame_find(f, next, f->n, p, len);
        if (k == f->n) {
            size_t before = frame_find(f, 0, g->joined, p, len);
            size_t again = frame_find(f, g->joined, next, p, len);
            if (before < g->joined)
                snprintf(why, wlen, "%s: the pipe holds frame %zu, published before this "
                         "subscriber called hub_subscribe: a subscriber gets only the frames "
                         "published after it joined (a new, empty pipe for each; no replay of "
                         "old frames)", what, before + 1);
            else if (again < next)
                snprintf(why, wlen, "%s: frame %zu came a second time, or out of order (after "
                         "frame %zu): write each frame once, in the order published", what,
                         again + 1, next);
            else
                snprintf(why, wlen, "%s: after %zu whole frames comes a length of %zu, but the "
                         "%zu bytes after it are not the payload of a frame published with that "
                         "length (after the ones before): a torn frame (a length whose payload "
                         "never went, then the next frame), a payload cut short, or frames "
                         "mixed. Write the length and the whole payload in ONE write of at "
                         "most PIPE_BUF bytes", what, g->frames, len, len);
            return false;
        }
        if (every && k != next && next < f->n) {
            snprintf(why, wlen, "%s: frame %zu of the %zu published (%u payload bytes) never "
                     "came: frame %zu came in its place, though this subscriber's pipe was "
                     "never full: write every frame to every subscriber, in order", what,
                     next + 1, f->n, f->len[next], k + 1);
            return false;
        }
        g->seen[k] = 1;
        g->frames++;
        next = k + 1;
        pos += sizeof len + len;
    }
    if (every && next < f->n) {
        snprintf(why, wlen, "%s: %zu of the %zu frames published since it subscribed arrived; "
                 "frame %zu never did, though the pipe was never full: write every frame to "
                 "every subscriber", what, g->frames, f->n - g->joined, next + 1);
        return false;
    }
    return true;
}

#define CHECK_SUB(f, g, every, what)                                                       \
    do {                                                                                   \
        char why_[768];                                                                    \
        bool ok_ = sub_parse((f), (g), (every), (what), why_, sizeof why_);                \
        HARNESS_CHECK(ok_, "%s", why_);                                                    \
    } while (0)

/* Each frame's count (hub_publish's value) is the number of subscribers in
 * subs[] that received it whole. Frames published by one repeated call
 * (the same id, one after another) cannot be told apart on a pipe: their
 * counts are checked together, against the copies received. */
static inline void check_counts(const frames *f, sub_got *const subs[], size_t nsubs)
{
    for (size_t k = 0, end; k < f->n; k = end) {
        size_t counted = 0, got = 0;
        for (end = k; end < f->n && f->id[end] == f->id[k]; end++) {
            counted += f->count[end];
            for (size_t s = 0; s < nsubs; s++)
                got += subs[s]->seen[end];
        }
        if (end - k == 1)
            HARNESS_CHECK(counted == got, "hub_publish returned %zu for frame %zu, but %zu "
                          "subscriber%s received it whole: return the number of pipes the "
                          "frame was written to (a write that failed, with EAGAIN or anything "
                          "else, does not count)", counted, k + 1, got, got == 1 ? "" : "s");
        else
            HARNESS_CHECK(counted == got, "the %zu calls of hub_publish for frames %zu to %zu "
                          "returned counts that add up to %zu, but the subscribers received "
                          "%zu of those frames whole: return the number of pipes each frame "
                          "was written to (a write that failed, with EAGAIN or anything else, "
                          "does not count)", end - k, k + 1, end, counted, got);
    }
}

/* ---- the API, with the test's checks ----------------------------------------- */

static inline hub_t *new_ok(void)
{
    hub_t *h = hub_new();
    HARNESS_CHECK(h != NULL, "hub_new() returned NULL");
    return h;
}

static inline int subscribe_ok(hub_t *h)
{
    int fd = hub_subscribe(h);
    HARNESS_CHECK(fd >= 0, "hub_subscribe returned %d, expected the read end of a new pipe", fd);
    return fd;
}

static inline void sub_init(sub_got *g, int fd, const frames *f, unsigned char *buf, size_t cap)
{
    g->fd = fd;
    g->joined = f->n;
    g->len = 0;
    g->raw = buf;
    g->cap = cap;
    g->frames = 0;
}

/* ---- publishing under a watch --------------------------------------------------- */

typedef struct publisher {
    hub_t *h;
    frames *f;
    size_t calls, len, repeat; /* `calls` publications of `repeat` frames of len bytes */
    atomic_long progress;      /* frames published */
    atomic_bool done;
} publisher;

static inline void *publisher_body(void *p)
{
    publisher *pub = p;
    for (size_t i = 0; i < pub->calls; i++) {
        publish_frame(pub->h, pub->f, pub->len, pub->repeat);
        atomic_fetch_add(&pub->progress, (long)(pub->repeat ? pub->repeat : 1));
    }
    atomic_store(&pub->done, true);
    return NULL;
}

/* Publishes on a helper thread; the test fails when one call has not
 * returned for stall_ms, or all of them took more than total_ms (real
 * time in which the test's watcher got the CPU: harness_patience_nap).
 * `while_` says what the subscribers were doing. */
static inline void publish_watched(publisher *pub, unsigned stall_ms, unsigned total_ms,
                                   const char *while_)
{
    atomic_store(&pub->progress, 0);
    atomic_store(&pub->done, false);
    pthread_t t;
    harness_thread_start(&t, publisher_body, pub);
    size_t total = pub->calls * (pub->repeat ? pub->repeat : 1);
    harness_patience all = harness_patience_start(total_ms), one = harness_patience_start(stall_ms);
    long last = 0;
    while (!atomic_load(&pub->done)) {
        long p = atomic_load(&pub->progress);
        if (p != last) {
            last = p;
            one = harness_patience_start(stall_ms);
        }
        HARNESS_CHECK(harness_patience_nap(&one), "hub_publish did not return for %u ms (after "
                      "%ld of %zu frames of %zu bytes, %s): a write to a full pipe waits until "
                      "the subscriber reads. Make your end of each pipe non-blocking "
                      "(O_NONBLOCK): the write then fails with EAGAIN and that subscriber "
                      "skips the frame", stall_ms, last, total, pub->len, while_);
        HARNESS_CHECK(harness_patience_count(&all), "publishing %zu frames of %zu bytes took more than "
                      "%u ms (%ld were done; %s): hub_publish must not wait for a slow "
                      "subscriber (no retry or sleep on EAGAIN: that subscriber skips the "
                      "frame)", total, pub->len, total_ms, last, while_);
    }
    harness_thread_join(t);
}
#endif

#endif
