/* test_support.h - lesson 18's test helpers, shared by the public tests,
 * the grader's hidden tests and test_remote.c: what an item looks like,
 * the child processes the tests start, and what comes back from them.
 * Tests only; nothing here is part of the lesson's API. The helpers every
 * lesson may use are in grader/harness/harness.h.
 *
 * Every item the tests put is made from a number (item_fill): its first
 * bytes are the number, the rest a pattern made from it, so an item that
 * comes back torn, shifted or mixed with another is seen (item_value says
 * -1). The number 0 is never an item.
 */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include "mpqueue.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The largest item the tests use, and the most items of one run of children. */
#define MAX_ITEM 4096
#define MAX_RECORDS 4000

/* Item `v` of `size` bytes into buf. */
static inline void item_fill(void *buf, size_t size, uint32_t v)
{
    unsigned char *b = buf;
    for (size_t k = 0; k < size; k++)
        b[k] = k < 4 ? (unsigned char)(v >> (8 * k))
                     : (unsigned char)(v * 131u + (uint32_t)k * 29u + (uint32_t)(k >> 8));
}

/* The number an item of `size` bytes was made from, or -1 when its bytes
 * are not one item's. */
static inline int64_t item_value(const void *buf, size_t size)
{
    const unsigned char *b = buf;
    uint32_t v = 0;
    for (size_t k = 0; k < size && k < 4; k++)
        v |= (uint32_t)b[k] << (8 * k);
    unsigned char want[MAX_ITEM];
    if (size > MAX_ITEM)
        return -1;
    item_fill(want, size, v);
    return memcmp(want, b, size) == 0 ? (int64_t)v : -1;
}

/* What the children the tests start do (kids_spawn):
 *   KIDS_PUT: each child puts n items: child c the numbers
 *     base + c * n + 0 .. n - 1, in order;
 *   KIDS_GET: each child gets n items (mpq_get) and sends the grader, on
 *     a pipe of the grader's own, each number it got.
 * Each then calls mpq_free(q) once and ends with _exit. */
enum { KIDS_PUT, KIDS_GET };

/* One fact a child sent the grader (on the grader's pipe). */
enum { REC_GOT, REC_PUT_ERR, REC_GET_ERR, REC_TORN, REC_OVERRUN, REC_LEFT_MAPPED };
typedef struct kid_record {
    uint32_t value; /* REC_GOT: the number; *_ERR: the errno */
    uint16_t kid;   /* which child: 0, 1, ... in the order spawned */
    uint16_t kind;  /* REC_* */
} kid_record;

/* What kids_collect saw of every child spawned since the last collect. */
typedef struct kids_report {
    uint32_t spawned;      /* children started */
    uint32_t exited_ok;    /* of them, ended with _exit(0) */
    uint32_t killed_by;    /* the first signal one of them died of (0: none) */
    uint32_t hung;         /* 1: no child sent anything for 4 s; the grader killed them */
    uint32_t records;      /* kid_records that follow */
    uint32_t dropped;      /* records beyond MAX_RECORDS */
    uint32_t spare;        /* 1: the grader's own code in your process failed, not yours */
    uint32_t pad;
} kids_report;

#ifndef REMOTE_SUBJECT
#include "harness.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>

/* Starts `count` children of `role` (KIDS_PUT, KIDS_GET) on queue q, whose
 * items are item_size bytes. Returns 0 or the errno of a failed fork. */
int kids_spawn(mpq_t *q, size_t item_size, int role, size_t count, size_t n, uint32_t base);
/* Waits until every child spawned has ended (killing them after 4 s in
 * which none sent anything), reaps them, and returns what they sent:
 * up to cap records in rec, the counts in *r. */
size_t kids_collect(kids_report *r, kid_record *rec, size_t cap);
/* After the last mpq_free(q): how many of the shared mappings mpq_new(q)
 * made (seen in /proc/self/maps) your process still has (0 is right). */
unsigned queue_left_mapped(void);
/* True when the last mpq_get or mpq_get_timeout of this thread wrote past
 * the item_size bytes of its buffer. */
bool last_get_overran(void);

/* ---- checks shared by the tests -------------------------------------- */

/* Checks what children sent: every number in [lo, lo + n) was got exactly
 * once by some KIDS_GET child (or `extra`, the numbers the test's own
 * process got: extra_n of them), none other; no error, torn item, overrun,
 * crash, hang, or mapping left. `what` names the scenario. */
static inline void kids_ok(const kids_report *r, const kid_record *rec, size_t nrec,
                           uint32_t lo, size_t n, const uint32_t *extra, size_t extra_n,
                           const char *what)
{
    static unsigned char seen[MAX_RECORDS * 2];
    HARNESS_CHECK(r->spare == 0, "%s: the grader's own code in your process failed (out of "
                  "memory or processes)", what);
    HARNESS_CHECK(n <= sizeof seen, "the tests use at most %zu items", sizeof seen);
    for (size_t i = 0; i < nrec; i++) {
        const kid_record *k = &rec[i];
        HARNESS_CHECK(k->kind != REC_PUT_ERR, "%s: mpq_put in child %u returned %u, expected 0",
                      what, k->kid, k->value);
        HARNESS_CHECK(k->kind != REC_GET_ERR, "%s: mpq_get in child %u returned %u, expected "
                      "0 (it must block until an item comes, not fail)", what, k->kid, k->value);
        HARNESS_CHECK(k->kind != REC_TORN, "%s: child %u got an item whose bytes are no item "
                      "that was put (torn, shifted, or two items mixed): copy exactly item_size "
                      "bytes into and out of the slot at index * item_size", what, k->kid);
        HARNESS_CHECK(k->kind != REC_OVERRUN, "%s: mpq_get in child %u wrote past the "
                      "item_size bytes of the caller's buffer", what, k->kid);
        HARNESS_CHECK(k->kind != REC_LEFT_MAPPED, "%s: after mpq_free(q) in child %u, %u of "
                      "the shared mappings mpq_new made were still mapped in that child: "
                      "mpq_free must munmap the queue in every process that calls it", what,
                      k->kid, k->value);
    }
    HARNESS_CHECK(!r->hung, "%s: the children got stuck (nothing came from any of them for "
                  "4 s; the grader killed them). Items put by one process never reached "
                  "another, or a wake-up was lost: is everything (the indices and count, the "
                  "locks, the slots) in the one MAP_SHARED mapping, and the mutex and "
                  "conditions PTHREAD_PROCESS_SHARED?", what);
    HARNESS_CHECK(r->killed_by == 0, "%s: a child using the queue died of signal %u (%s)",
                  what, r->killed_by, r->killed_by == SIGSEGV ? "SIGSEGV: a bad pointer, or an "
                  "item read or written past its item_size bytes" : "a crash");
    HARNESS_CHECK(r->exited_ok == r->spawned, "%s: %u of %u children did not end normally",
                  what, r->spawned - r->exited_ok, r->spawned);
    HARNESS_CHECK(r->dropped == 0, "%s: the children sent %u more numbers than the tests "
                  "can hold (items got more than once?)", what, r->dropped);
    memset(seen, 0, n);
    size_t got = 0;
    for (size_t i = 0; i < nrec + extra_n; i++) {
        uint32_t v;
        if (i < nrec) {
            if (rec[i].kind != REC_GOT)
                continue;
            v = rec[i].value;
        } else {
            v = extra[i - nrec];
        }
        const char *who = i < nrec ? "a child" : "the parent";
        HARNESS_CHECK(v >= lo && v - lo < n, "%s: %s got item %u, which was never put (items "
                      "%u to %u were put)", what, who, v, lo, (unsigned)(lo + n - 1));
        HARNESS_CHECK(!seen[v - lo], "%s: item %u was got twice (%s got it again): each item "
                      "put is got exactly once. Are the count and indices in the shared "
                      "mapping, and changed only under the lock?", what, v, who);
        seen[v - lo] = 1;
        got++;
    }
    for (size_t i = 0; i < n; i++)
        HARNESS_CHECK(seen[i], "%s: item %u was put but never got (%zu of %zu items arrived): "
                      "items were lost or overwritten", what, (unsigned)(lo + i), got, n);
}

/* ---- the test's own process putting or getting, on a helper thread ---- */

/* n items put (first, first + 1, ...) or got in a row by a helper thread,
 * watched: a call that never returns is reported instead of hanging. */
typedef struct mover {
    mpq_t *q;
    size_t size, n;
    bool put;
    uint32_t first;
    uint32_t got[MAX_RECORDS]; /* put == false: the numbers got, in order */
    int bad_rc;                /* the first call's result that was not 0 */
    bool torn, overran;
    atomic_int tid;
    atomic_long progress; /* calls returned */
    atomic_bool done;
    pthread_t thread;
} mover;

static void *mover_body(void *p)
{
    mover *m = p;
    unsigned char item[MAX_ITEM];
    atomic_store(&m->tid, harness_gettid());
    for (size_t i = 0; i < m->n; i++) {
        int rc;
        if (m->put) {
            item_fill(item, m->size, m->first + (uint32_t)i);
            rc = mpq_put(m->q, item);
        } else {
            rc = mpq_get(m->q, item);
            int64_t v = item_value(item, m->size);
            m->torn |= rc == 0 && v < 0;
            m->overran |= last_get_overran();
            m->got[i] = v < 0 ? 0 : (uint32_t)v;
        }
        if (rc != 0 && m->bad_rc == 0)
            m->bad_rc = rc;
        atomic_fetch_add(&m->progress, 1);
        if (rc != 0)
            break;
    }
    atomic_store(&m->done, true);
    return NULL;
}

static inline void mover_start(mover *m, mpq_t *q, size_t size, bool put, size_t n,
                               uint32_t first)
{
    memset(m, 0, sizeof *m);
    *m = (mover){ .q = q, .size = size, .put = put, .n = n, .first = first };
    harness_thread_start(&m->thread, mover_body, m);
}

/* Waits for the mover (failing the test when it makes no progress for
 * 3 s) and checks its calls returned 0 with whole items. */
static inline void mover_finish(mover *m, const char *what)
{
    long last = 0;
    bool ok = harness_watch_progress(&m->done, &m->progress, 3000, &last);
    HARNESS_CHECK(ok, "%s: the parent's %s got stuck after %ld of %zu calls (none returned "
                  "for 3 s). Items put in one process must reach the others: is everything "
                  "(count, indices, slots, locks) in the one MAP_SHARED mapping, and the "
                  "mutex and conditions PTHREAD_PROCESS_SHARED?", what,
                  m->put ? "mpq_put" : "mpq_get", last, m->n);
    harness_thread_join(m->thread);
    HARNESS_CHECK(m->bad_rc == 0, "%s: the parent's %s returned %d, expected 0", what,
                  m->put ? "mpq_put" : "mpq_get", m->bad_rc);
    HARNESS_CHECK(!m->torn, "%s: the parent got an item whose bytes are no item that was "
                  "put (torn, shifted, or two mixed)", what);
    HARNESS_CHECK(!m->overran, "%s: mpq_get wrote past the item_size bytes of the caller's "
                  "buffer", what);
}

/* Fails the test unless the mover, which cannot finish yet, is asleep in
 * its call for 100 ms in a row within 3 s (real time; the virtual clock
 * does not move). */
static inline void mover_asleep(mover *m, const char *what)
{
    int tid = 0;
    for (int i = 0; i < 3000 && !(tid = atomic_load(&m->tid)); i++)
        nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
    bool asleep = tid && harness_wait_asleep(&tid, 1, 100, 3000);
    HARNESS_CHECK(!atomic_load(&m->done), "%s returned (%d) when it had to wait", what,
                  m->bad_rc);
    HARNESS_CHECK(asleep, "%s did not go to sleep within 3 s: it keeps running. Waiting must "
                  "block (a condition wait, a semaphore), not loop", what);
}

/* The children's report, collected and checked: numbers [lo, lo + n) got
 * exactly once between the children and `extra` (extra_n numbers the
 * parent got). */
static inline void kids_done(uint32_t lo, size_t n, const uint32_t *extra, size_t extra_n,
                             const char *what)
{
    static kid_record rec[MAX_RECORDS];
    kids_report r;
    size_t k = kids_collect(&r, rec, MAX_RECORDS);
    kids_ok(&r, rec, k, lo, n, extra, extra_n, what);
}
#endif

#endif
