/* timeline.h - what each thread of the code under test did last.
 *
 * A failing assertion says what was expected; the timeline says what the
 * student's threads were doing just before: per thread, a ring of its last
 * TIMELINE_RING synchronisation events (lock, unlock, wait, woke, signal,
 * create, join, sleep), each with its code site and a global sequence number.
 * The engine notes them (engine.c, one call per event, by the thread itself:
 * no allocation, no system call, no lock of its own); the subject writes the
 * last TIMELINE_EMIT of them over all threads, merged in order, as a
 * "timeline" record when a test ends and with a deadlock or hang report.
 *
 * The record's text, one event per word (grader/src/timeline_text.c reads it
 * and trusts none of it):
 *     SEQ,THREAD,KIND,A,B,FLAGS,@HEX      (or ",?" for a site outside the program)
 * KIND is one letter (enum tl_kind); A and B are the numbers the engine's
 * other reports use: mutex ("lock N"), condition, thread.
 */
#ifndef TIMELINE_H
#define TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#define TIMELINE_RING 16 /* events kept per thread */
#define TIMELINE_EMIT 24 /* events in a record, over all threads */
#define TIMELINE_THREADS 256

enum tl_kind {
    TL_LOCK = 'L',      /* A: mutex */
    TL_UNLOCK = 'U',    /* A: mutex */
    TL_BUSY = 'B',      /* a trylock that failed (A: 0, its mutex is not looked up) */
    TL_WAIT = 'W',      /* A: condition, B: its mutex */
    TL_TIMEDWAIT = 'w', /* the same, with a deadline */
    TL_WOKE = 'K',      /* A: condition, B: its mutex; TL_F_TIMEDOUT, TL_F_SPURIOUS */
    TL_SIGNAL = 'S',    /* A: condition */
    TL_BROADCAST = 'A', /* A: condition */
    TL_CREATE = 'C',    /* a pthread_create */
    TL_START = 'T',     /* a thread's first event: site = its start function */
    TL_JOIN = 'J',      /* A: thread joined (0: not known yet) */
    TL_SLEEP = 'P',
    TL_MISSED = 'M',    /* A: condition, B: its mutex: signalled while the thread held
                         * the mutex between its check and its wait (waitpause.c) */
    TL_RDLOCK = 'R',         /* A: read-write lock, taken for reading (TL_LOCK: for writing) */
    TL_SEM_WAIT = 'V',       /* A: semaphore (a wait, or a trywait that got it) */
    TL_SEM_TIMEDWAIT = 'v',  /* A: semaphore */
    TL_SEM_POST = 'O',       /* A: semaphore */
};

/* TL_WOKE's flags: the wait's deadline passed; the engine woke it with no
 * signal (a spurious wake-up, which POSIX allows). */
enum { TL_F_TIMEDOUT = 1, TL_F_SPURIOUS = 2 };
#define TIMELINE_SPURIOUS (-1) /* timeline_wait_result's rc for a spurious wake-up */

typedef struct tl_event {
    uint32_t seq; /* 0: none */
    uint16_t tid;
    uint8_t kind, flags;
    uint16_t a, b;
    uintptr_t site;
} tl_event;

/* Thread slot `slot` (its engine index) whose id is `tid` had an event.
 * Only that thread calls this for its slot. While a condition wait is
 * pending (TL_WAIT or TL_TIMEDWAIT noted), the mutex's release is not noted
 * and its re-acquisition (TL_LOCK) is noted as TL_WOKE. */
void timeline_note(int slot, int tid, enum tl_kind kind, int a, int b, const void *site);
/* The wait just noted on `slot` returned `rc` (ETIMEDOUT or TIMELINE_SPURIOUS
 * marks it). */
void timeline_wait_result(int slot, int rc);

/* The last `k` of `n` events (any order, seq 0 skipped) by sequence
 * number, oldest first, into out; returns how many. Pure (tests/unit). */
size_t timeline_merge(const tl_event *events, size_t n, tl_event *out, size_t k);

/* The record's text for `n` events: sites are written as offsets from
 * `base` ("@HEX", the return address minus one, as eng_site does) when
 * inside (lo, hi], else "?". Pure (tests/unit). Returns the length. */
size_t timeline_write(char *buf, size_t cap, const tl_event *events, size_t n, uintptr_t base,
                      uintptr_t lo, uintptr_t hi);

/* timeline_write of the last `k` (<= TIMELINE_EMIT) events of every thread.
 * Returns the number of events (0: none, buf is then empty). */
size_t timeline_format(char *buf, size_t cap, size_t k, uintptr_t base, uintptr_t lo,
                       uintptr_t hi);

/* engine.c's calls: thread t of the engine (E.threads[t]), hidden from
 * ThreadSanitizer like the rest of the engine (a ring's slot passes from an
 * exited thread to a new one with no order TSan knows of). */
#define TIMELINE(t, kind, a, b, site)                                                   \
    (eng_hide_begin(), timeline_note((t), E.threads[(t)].id, (kind), (a), (b), (site)), \
     eng_hide_end())
#define TIMELINE_WAIT_RESULT(t, rc) (eng_hide_begin(), timeline_wait_result((t), (rc)), eng_hide_end())

#endif
