/* test_support.h - lesson 08's test helpers, shared by the public tests and
 * the grader's hidden tests: items as numbers, calls made on helper threads
 * so that the test can watch them, and the exactly-once accounting of a
 * stress test. Tests only; nothing here is part of the lesson's API. The
 * helpers every lesson may use are in grader/harness/harness.h.
 *
 * Most tests run in virtual time (harness.h): when the test's thread
 * sleeps, the clock only moves once every other thread is blocked, so after
 * harness_sleep_ms a helper's call has either returned or is waiting inside
 * the queue; a call that waits with no deadline while nothing else can run
 * ends the run at once (the grader reports what each thread waits for).
 */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include "harness.h"
#include "queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The tests' items are numbers; an item number travels as a pointer. */
static inline void *IT(long n) { return (void *)(uintptr_t)n; }
static inline long NUM(void *p) { return (long)(uintptr_t)p; }

static inline const char *kind_name(tsq_kind k)
{
    return k == TSQ_FIFO ? "TSQ_FIFO" : k == TSQ_LIFO ? "TSQ_LIFO" : "TSQ_PRIORITY";
}

/* "EAGAIN", "0", or the number. */
static inline const char *rc_name(int rc, char *buf, size_t len)
{
    if (rc == 0)
        return "0";
    if (rc == EAGAIN)
        return "EAGAIN";
    if (rc == ENOMEM)
        return "ENOMEM";
    snprintf(buf, len, "%d", rc);
    return buf;
}

/* tsq_new that must succeed. */
static inline tsq_t *new_queue(tsq_kind kind, size_t maxsize)
{
    tsq_t *q = tsq_new(kind, maxsize);
    HARNESS_CHECK(q != NULL, "tsq_new(%s, %zu) returned NULL", kind_name(kind), maxsize);
    return q;
}

/* tsq_put that must add the item (the queue has room). */
static inline void put_ok(tsq_t *q, long item, int prio, int timeout_ms)
{
    char b[16];
    int rc = tsq_put(q, IT(item), prio, timeout_ms);
    HARNESS_CHECK(rc == 0, "tsq_put(q, item %ld, prio %d, %d ms) on a queue with room returned "
                  "%s (expected 0)", item, prio, timeout_ms, rc_name(rc, b, sizeof b));
}

/* tsq_get that must return an item (the queue holds one); returns it. */
static inline long get_ok(tsq_t *q, int timeout_ms)
{
    char b[16];
    void *it = IT(-1);
    int rc = tsq_get(q, &it, timeout_ms);
    HARNESS_CHECK(rc == 0, "tsq_get(q, &item, %d ms) on a queue holding items returned %s "
                  "(expected 0)", timeout_ms, rc_name(rc, b, sizeof b));
    return NUM(it);
}

/* A tsq_get made with harness_repeat or in a batch comes back as one number
 * (test_remote.c): its return value in the top 16 bits, the item in the low 48. */
#define Q_RC(v) ((int)(int16_t)(uint16_t)((uint64_t)(v) >> 48))
#define Q_ITEM(v) ((long)((uint64_t)(v) & ((UINT64_C(1) << 48) - 1)))
#define Q_EAGAIN ((uint64_t)EAGAIN << 48)

/* ---- calls on helper threads ---------------------------------------------- */

typedef enum { OP_GET, OP_PUT, OP_JOIN, OP_TASK_DONE } op_kind;

typedef struct call {
    op_kind op;
    tsq_t *q;
    long item; /* OP_PUT: the item; OP_GET: the item it got */
    int prio, timeout_ms;
    int rc;
    double at_ms, took_ms; /* when it was made (harness_now_ms), how long it took */
    atomic_long *count;    /* optional: a counter of the test's ... */
    long count_at_return;  /* ... read the moment the call returned */
    atomic_bool done;
    pthread_t thread;
} call;

static void *call_body(void *p)
{
    call *c = p;
    c->at_ms = harness_now_ms();
    void *it = IT(-1);
    switch (c->op) {
    case OP_GET:
        c->rc = tsq_get(c->q, &it, c->timeout_ms);
        c->item = NUM(it);
        break;
    case OP_PUT:
        c->rc = tsq_put(c->q, IT(c->item), c->prio, c->timeout_ms);
        break;
    case OP_JOIN:
        tsq_join(c->q);
        break;
    case OP_TASK_DONE:
        tsq_task_done(c->q);
        break;
    }
    c->took_ms = harness_now_ms() - c->at_ms;
    if (c->count)
        c->count_at_return = atomic_load(c->count);
    atomic_store(&c->done, true);
    return NULL;
}

/* Starts the call on a helper thread of its own. */
static inline void call_start(call *c, op_kind op, tsq_t *q, long item, int prio, int timeout_ms)
{
    *c = (call){ .op = op, .q = q, .item = item, .prio = prio, .timeout_ms = timeout_ms };
    HARNESS_CHECK(harness_thread_start(&c->thread, call_body, c) == 0,
                  "the test could not start a thread");
}

static inline bool call_done(call *c) { return atomic_load(&c->done); }

/* Starts the call, then lets virtual time pass (1 ms) so that it has either
 * returned or is asleep inside the queue before the test goes on. */
static inline void call_start_settled(call *c, op_kind op, tsq_t *q, long item, int prio,
                                      int timeout_ms)
{
    call_start(c, op, q, item, prio, timeout_ms);
    harness_sleep_ms(1);
}

/* ---- exactly once --------------------------------------------------------- */

/* Counts how often each item 1..n came out of the queue. */
typedef struct tally {
    long n;
    unsigned char *seen; /* seen[i]: times item i was got (saturates) */
    long unknown;        /* items no one put */
    long first_unknown;
} tally;

static inline void tally_init(tally *t, long n)
{
    t->n = n;
    t->seen = calloc((size_t)n + 1, 1);
    t->unknown = 0;
    t->first_unknown = 0;
    HARNESS_CHECK(t->seen != NULL, "the test ran out of memory");
}

static inline void tally_add(tally *t, uint64_t item, uint64_t times)
{
    if (item < 1 || item > (uint64_t)t->n) {
        if (t->unknown++ == 0)
            t->first_unknown = (long)item;
        return;
    }
    unsigned v = t->seen[item] + (times > 200 ? 200 : (unsigned)times);
    t->seen[item] = (unsigned char)(v > 250 ? 250 : v);
}

/* Every item 1..n got exactly once, none made up: else the test fails. */
static inline void tally_check(tally *t, const char *what)
{
    long lost = 0, twice = 0, first_lost = 0, first_twice = 0;
    for (long i = 1; i <= t->n; i++) {
        if (t->seen[i] == 0 && lost++ == 0)
            first_lost = i;
        if (t->seen[i] > 1 && twice++ == 0)
            first_twice = i;
    }
    long unknown = t->unknown, fu = t->first_unknown;
    free(t->seen);
    t->seen = NULL;
    HARNESS_CHECK(unknown == 0, "%s: tsq_get returned %ld item%s that no one put (the first: "
                  "%ld): an item taken from an empty place, or memory read without the lock",
                  what, unknown, unknown == 1 ? "" : "s", fu);
    HARNESS_CHECK(twice == 0, "%s: %ld item%s came out of the queue twice (the first: item "
                  "%ld): two gets took the same item; take it and remove it in one critical "
                  "section", what, twice, twice == 1 ? "" : "s", first_twice);
    HARNESS_CHECK(lost == 0, "%s: %ld of the %ld items put never came out of the queue (the "
                  "first: item %ld): items were lost", what, lost, t->n, first_lost);
}

#endif
