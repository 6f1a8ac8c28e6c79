/* trace.c - a trace recorder for tests that check the ORDER of events, and
 * checkers that explain the first violation in one plain sentence.
 *
 * Any thread (the test's own, or a callback the student's code runs) calls
 * harness_trace("say", i). Recording is lock-free: a global atomic counter
 * hands out slots of a fixed buffer, so recording never blocks, never takes a
 * lock the student's code could be waiting for, and adds no happens-before
 * edge between the student's threads that could hide a data race from
 * ThreadSanitizer (the slot's ready flag is only read by the reader).
 */
#include "harness.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

typedef struct slot {
    harness_trace_entry e;
    atomic_int ready;
} slot;

static slot slots[HARNESS_TRACE_MAX];
static atomic_uint_fast64_t next_seq;
static atomic_int next_thread;
static atomic_int generation = 1;
static _Thread_local int my_thread, my_generation;

/* judge.c: the student's thread an asynchronous callback stands for (its
 * tid), while one runs on this thread; else 0. */
int judge_event_tid(void);

/* Asynchronous callbacks all run on the judge's one reader thread: each is
 * numbered as the student's thread that made it. Only that thread touches
 * this table. */
#define EVENT_THREADS 4096
typedef struct event_thread_id {
    int tid, thread, generation;
} event_thread_id;
static event_thread_id event_threads[EVENT_THREADS];
static int nevent_threads;

static int event_thread(int tid, int gen)
{
    for (int i = 0; i < nevent_threads; i++)
        if (event_threads[i].tid == tid && event_threads[i].generation == gen)
            return event_threads[i].thread;
    int t = atomic_fetch_add(&next_thread, 1) + 1;
    if (nevent_threads < EVENT_THREADS)
        event_threads[nevent_threads++] = (event_thread_id){ tid, t, gen };
    return t;
}

void harness_trace(const char *event, long value)
{
    int gen = atomic_load_explicit(&generation, memory_order_relaxed);
    int tid = judge_event_tid(), thread;
    if (tid) {
        thread = event_thread(tid, gen);
    } else {
        if (my_generation != gen) {
            my_generation = gen;
            my_thread = atomic_fetch_add(&next_thread, 1) + 1;
        }
        thread = my_thread;
    }
    uint_fast64_t seq = atomic_fetch_add(&next_seq, 1);
    if (seq >= HARNESS_TRACE_MAX)
        return; /* full: harness_trace_overflowed() says so */
    slot *s = &slots[seq];
    struct timespec now; /* real time: recording never calls the subject */
    clock_gettime(CLOCK_MONOTONIC, &now);
    s->e = (harness_trace_entry){ seq, thread, event, value, now.tv_sec * 1e3 + now.tv_nsec / 1e6 };
    atomic_store_explicit(&s->ready, 1, memory_order_release);
}

size_t harness_trace_read(harness_trace_entry *out, size_t cap)
{
    uint_fast64_t n = atomic_load(&next_seq);
    if (n > HARNESS_TRACE_MAX)
        n = HARNESS_TRACE_MAX;
    size_t got = 0;
    for (uint_fast64_t i = 0; i < n && got < cap; i++) {
        /* A slot still being written ends the readable prefix. */
        if (!atomic_load_explicit(&slots[i].ready, memory_order_acquire))
            break;
        out[got++] = slots[i].e;
    }
    return got;
}

bool harness_trace_overflowed(void) { return atomic_load(&next_seq) > HARNESS_TRACE_MAX; }

void harness_trace_reset(void)
{
    uint_fast64_t n = atomic_load(&next_seq);
    if (n > HARNESS_TRACE_MAX)
        n = HARNESS_TRACE_MAX;
    for (uint_fast64_t i = 0; i < n; i++)
        atomic_store(&slots[i].ready, 0);
    atomic_store(&next_seq, 0);
    atomic_store(&next_thread, 0);
    atomic_fetch_add(&generation, 1);
}

/* ---- checkers ------------------------------------------------------------ */

static bool explain(char *why, size_t len, const char *fmt, ...)
{
    if (why && len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, len, fmt, ap);
        va_end(ap);
    }
    return false;
}

static const char *name_of(const char *const names[], long v, char buf[32])
{
    if (names)
        return names[v];
    snprintf(buf, 32, "thread %ld", v);
    return buf;
}

bool harness_trace_check_turns(const harness_trace_entry *t, size_t n, const char *event,
                               size_t k, size_t rounds, const char *const names[], char *why,
                               size_t len)
{
    char b1[32], b2[32];
    size_t step = 0;
    long prev = -1;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(t[i].event, event) != 0)
            continue;
        long v = t[i].value, want = (long)(step % k);
        step++;
        if (v < 0 || (size_t)v >= k)
            return explain(why, len, "at step %zu someone spoke as number %ld, but there are "
                           "only %zu speakers (0 to %zu)", step, v, k, k - 1);
        if (step > k * rounds)
            return explain(why, len, "%s spoke at step %zu, after all %zu rounds (%zu steps) "
                           "had ended", name_of(names, v, b1), step, rounds, k * rounds);
        if (v != want) {
            if (v == prev)
                return explain(why, len, "%s spoke twice in a row at step %zu (it was %s's "
                               "turn)", name_of(names, v, b1), step, name_of(names, want, b2));
            return explain(why, len, "%s spoke at step %zu but it was %s's turn",
                           name_of(names, v, b1), step, name_of(names, want, b2));
        }
        prev = v;
    }
    if (step < k * rounds)
        return explain(why, len, "only %zu of the %zu turns (%zu rounds of %zu) were taken",
                       step, k * rounds, rounds, k);
    return true;
}

bool harness_trace_check_after(const harness_trace_entry *t, size_t n, const char *event,
                               const char *cause, const char *event_says,
                               const char *cause_says, char *why, size_t len)
{
    size_t cause_step = 0, event_step = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(t[i].event, cause) == 0 && !cause_step)
            cause_step = i + 1;
        if (strcmp(t[i].event, event) == 0) {
            event_step++;
            if (!cause_step) {
                size_t later = 0;
                for (size_t j = i + 1; j < n && !later; j++)
                    if (strcmp(t[j].event, cause) == 0)
                        later = j + 1;
                if (later)
                    return explain(why, len, "%s (step %zu of the trace), before %s (step %zu)",
                                   event_says, i + 1, cause_says, later);
                return explain(why, len, "%s (step %zu of the trace), but %s never happened",
                               event_says, i + 1, cause_says);
            }
        }
    }
    return true;
}

bool harness_trace_check_supply(const harness_trace_entry *t, size_t n, const char *add,
                                const char *take, long initial, char *why, size_t len)
{
    long added = 0, taken = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(t[i].event, add) == 0) {
            added += t[i].value;
        } else if (strcmp(t[i].event, take) == 0) {
            if (initial + added - taken < t[i].value)
                return explain(why, len, "at step %zu of the trace a take of %ld returned, but "
                               "only %ld was there (%ld at the start + %ld put in - %ld already "
                               "taken)", i + 1, t[i].value, initial + added - taken, initial,
                               added, taken);
            taken += t[i].value;
        }
    }
    return true;
}

bool harness_trace_check_own_threads(const harness_trace_entry *t, size_t n, const char *event,
                                     size_t k, const char *const names[], char *why, size_t len)
{
    enum { MAXK = 64 };
    int owner[MAXK] = { 0 };
    char b1[32], b2[32];
    for (size_t i = 0; i < n; i++) {
        if (strcmp(t[i].event, event) != 0)
            continue;
        long v = t[i].value;
        if (v < 0 || (size_t)v >= k || v >= MAXK)
            continue; /* check_turns reports out-of-range values */
        if (owner[v] && owner[v] != t[i].thread)
            return explain(why, len, "%s spoke from two different threads (step %zu of the "
                           "trace): each speaker must keep its own thread",
                           name_of(names, v, b1), i + 1);
        owner[v] = t[i].thread;
        for (long w = 0; w < (long)k && w < MAXK; w++)
            if (w != v && owner[w] == t[i].thread)
                return explain(why, len, "%s and %s spoke from the same thread: each needs "
                               "a thread of its own", name_of(names, w, b1),
                               name_of(names, v, b2));
    }
    return true;
}
