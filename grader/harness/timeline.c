/* timeline.c - see timeline.h.
 *
 * Each ring is written by its own thread only, and read (rarely: at the end
 * of a test, with a report) by another, which may run while the writer goes
 * on. Each slot is a tiny seqlock: the writer clears its header, writes the
 * body (release stores: after the clear), then publishes the header; a
 * reader (acquire loads) keeps a slot only when it saw the same non-zero
 * header before and after reading the body. No fence: GCC's ThreadSanitizer
 * refuses atomic_thread_fence, and the engine is built with it (engine.c
 * hides these accesses from it: TIMELINE in timeline.h). The cost of a
 * note is one atomic increment (the global sequence number) and a few plain
 * stores: no lock, no allocation, no system call.
 */
#include "timeline.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

typedef struct tl_slot {
    _Atomic uint64_t head; /* seq << 32 | tid << 16 | kind << 8 | flags; 0: empty */
    _Atomic uint32_t body; /* a << 16 | b */
    _Atomic uintptr_t site;
} tl_slot;

/* Cache-line aligned: a ring is written by its thread only, and must not
 * share a line with its neighbour's (false sharing on every note). */
typedef struct tl_ring {
    _Alignas(64) tl_slot ev[TIMELINE_RING];
    unsigned next; /* the slot written next (the owner's only) */
    bool waiting;  /* a condition wait is pending: its mutex's release is not an event */
    uint16_t wait_cond, wait_mutex;
} tl_ring;

static tl_ring rings[TIMELINE_THREADS];
static _Atomic uint32_t last_seq;

static uint16_t clamp16(int v) { return v < 0 ? 0 : v > 0xffff ? 0xffff : (uint16_t)v; }

static uint64_t head_of(uint32_t seq, uint16_t tid, uint8_t kind, uint8_t flags)
{
    return (uint64_t)seq << 32 | (uint64_t)tid << 16 | (uint64_t)kind << 8 | flags;
}

static void publish(tl_slot *s, uint64_t head, uint32_t body, uintptr_t site)
{
    atomic_store_explicit(&s->head, 0, memory_order_relaxed);
    atomic_store_explicit(&s->body, body, memory_order_release);
    atomic_store_explicit(&s->site, site, memory_order_release);
    atomic_store_explicit(&s->head, head, memory_order_release);
}

void timeline_note(int slot, int tid, enum tl_kind kind, int a, int b, const void *site)
{
    if (slot < 0 || slot >= TIMELINE_THREADS)
        return;
    tl_ring *r = &rings[slot];
    switch (kind) {
    case TL_START:
        r->waiting = false; /* a new thread in a reused slot */
        break;
    case TL_UNLOCK:
        if (r->waiting)
            return; /* the wait releases its mutex: part of TL_WAIT */
        break;
    case TL_LOCK:
        if (r->waiting) { /* the wait took its mutex back: it woke */
            kind = TL_WOKE;
            a = r->wait_cond;
            b = r->wait_mutex;
            r->waiting = false;
        }
        break;
    case TL_WAIT:
    case TL_TIMEDWAIT:
        r->waiting = true;
        r->wait_cond = clamp16(a);
        r->wait_mutex = clamp16(b);
        break;
    default:
        break;
    }
    uint32_t seq = atomic_fetch_add_explicit(&last_seq, 1, memory_order_relaxed) + 1;
    tl_slot *s = &r->ev[r->next];
    r->next = (r->next + 1) % TIMELINE_RING;
    publish(s, head_of(seq, clamp16(tid), (uint8_t)kind, 0),
            (uint32_t)clamp16(a) << 16 | clamp16(b), (uintptr_t)site);
}

void timeline_wait_result(int slot, int rc)
{
    uint8_t flag = rc == ETIMEDOUT ? TL_F_TIMEDOUT : rc == TIMELINE_SPURIOUS ? TL_F_SPURIOUS : 0;
    if (slot < 0 || slot >= TIMELINE_THREADS || !flag)
        return;
    tl_ring *r = &rings[slot];
    tl_slot *s = &r->ev[(r->next + TIMELINE_RING - 1) % TIMELINE_RING];
    uint64_t h = atomic_load_explicit(&s->head, memory_order_relaxed);
    if ((uint8_t)(h >> 8) == TL_WOKE)
        publish(s, h | flag, atomic_load_explicit(&s->body, memory_order_relaxed),
                atomic_load_explicit(&s->site, memory_order_relaxed));
}

/* Keeps in out[0..*n) the `k` events with the highest seq seen so far,
 * in ascending order (insertion: k is small). */
static void keep_last(tl_event *out, size_t *n, size_t k, const tl_event *e)
{
    if (e->seq == 0 || k == 0)
        return;
    if (*n == k) {
        if (e->seq <= out[0].seq)
            return;
        memmove(&out[0], &out[1], (k - 1) * sizeof *out); /* drop the oldest */
        (*n)--;
    }
    size_t i = *n;
    while (i > 0 && out[i - 1].seq > e->seq) {
        out[i] = out[i - 1];
        i--;
    }
    out[i] = *e;
    (*n)++;
}

size_t timeline_merge(const tl_event *events, size_t n, tl_event *out, size_t k)
{
    size_t got = 0;
    for (size_t i = 0; i < n; i++)
        keep_last(out, &got, k, &events[i]);
    return got;
}

/* A consistent copy of a slot, or false (empty, or being rewritten). */
static bool read_slot(const tl_slot *s, tl_event *e)
{
    uint64_t h = atomic_load_explicit(&s->head, memory_order_acquire);
    uint32_t body = atomic_load_explicit(&s->body, memory_order_acquire);
    uintptr_t site = atomic_load_explicit(&s->site, memory_order_acquire);
    if (h == 0 || atomic_load_explicit(&s->head, memory_order_relaxed) != h)
        return false;
    *e = (tl_event){ .seq = (uint32_t)(h >> 32), .tid = (uint16_t)(h >> 16),
                     .kind = (uint8_t)(h >> 8), .flags = (uint8_t)h,
                     .a = (uint16_t)(body >> 16), .b = (uint16_t)body, .site = site };
    return true;
}

size_t timeline_write(char *buf, size_t cap, const tl_event *events, size_t n, uintptr_t base,
                      uintptr_t lo, uintptr_t hi)
{
    size_t len = 0;
    if (cap == 0)
        return 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const tl_event *e = &events[i];
        char site[24] = "?";
        if (e->site > lo && e->site <= hi)
            snprintf(site, sizeof site, "@%lx", (unsigned long)(e->site - 1 - base));
        char word[64];
        int w = snprintf(word, sizeof word, "%s%u,%u,%c,%u,%u,%u,%s", len ? " " : "",
                         (unsigned)e->seq, (unsigned)e->tid, e->kind, (unsigned)e->a,
                         (unsigned)e->b, (unsigned)e->flags, site);
        if (w <= 0 || len + (size_t)w >= cap)
            break; /* whole events only */
        memcpy(buf + len, word, (size_t)w + 1);
        len += (size_t)w;
    }
    return len;
}

size_t timeline_format(char *buf, size_t cap, size_t k, uintptr_t base, uintptr_t lo,
                       uintptr_t hi)
{
    tl_event last[TIMELINE_EMIT];
    size_t n = 0;
    if (k > TIMELINE_EMIT)
        k = TIMELINE_EMIT;
    for (int t = 0; t < TIMELINE_THREADS; t++)
        for (int i = 0; i < TIMELINE_RING; i++) {
            tl_event e;
            if (read_slot(&rings[t].ev[i], &e))
                keep_last(last, &n, k, &e);
        }
    if (cap)
        buf[0] = '\0';
    if (n == 0)
        return 0;
    timeline_write(buf, cap, last, n, base, lo, hi);
    return n;
}
