/* callcheck.c - what a call of the lesson's API leaves behind, checked when
 * it returns (see callcheck.h): the threads it started and did not join, the
 * mutexes its thread still holds.
 *
 * The threads are in a small table keyed by pthread_t, under the engine's
 * mutex: an entry is made when the student's code starts a thread and removed
 * when it joins it, so a call that joined all its threads finds nothing left
 * with its number. Reading a thread's state (running, finished) is never
 * needed: what matters is whether the code joined it, which is known the
 * moment the call returns, on every run.
 */
#include "callcheck.h"
#include "engine_int.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>

#define CC_MAX_THREADS 4096
#define CC_BUCKETS 1024
#define CTX_FLAGS 0xffu

typedef struct started {
    pthread_t thread;
    uint64_t ctx;
    void *site;        /* where the student's code started it */
    void *detach_site; /* where it detached it (NULL: not detached) */
    bool used;
    int next;          /* hash chain: index + 1, 0 ends it */
} started;

static started table[CC_MAX_THREADS];
static int buckets[CC_BUCKETS];
static int high_water, free_list; /* free_list: index + 1 */
static int outstanding;           /* entries in use */
static int outstanding_max;       /* the most in use at once since the last reset */
static atomic_uint_least64_t next_call = 1;
static atomic_bool reported;
static _Thread_local uint64_t current;

static unsigned bucket_of(pthread_t t)
{
    uint64_t v = 0;
    memcpy(&v, &t, sizeof t < sizeof v ? sizeof t : sizeof v);
    return (unsigned)((v * 0x9E3779B97F4A7C15ull) >> 40) % CC_BUCKETS;
}

/* Under E.mu: the newest entry for t, or -1. */
static int find(pthread_t t)
{
    for (int i = buckets[bucket_of(t)] - 1; i >= 0; i = table[i].next - 1)
        if (pthread_equal(table[i].thread, t))
            return i;
    return -1;
}

static void forget(int i)
{
    unsigned b = bucket_of(table[i].thread);
    for (int *p = &buckets[b]; *p; p = &table[*p - 1].next) {
        if (*p - 1 == i) {
            *p = table[i].next;
            break;
        }
    }
    table[i].used = false;
    table[i].next = free_list;
    free_list = i + 1;
    __atomic_sub_fetch(&outstanding, 1, __ATOMIC_RELAXED); /* read without E.mu by callcheck_end */
}

/* Writes the run's one leak record. */
static void report(const char *text)
{
    if (!atomic_exchange(&reported, true))
        E.report("leak", text);
}

uint64_t callcheck_current(void) { return current; }

/* The flag orders nothing of the student's code: hidden from ThreadSanitizer. */
void callcheck_adopt(uint64_t ctx, atomic_bool *recorded)
{
    eng_hide_begin();
    while (!atomic_load(recorded))
        sched_yield();
    eng_hide_end();
    current = ctx;
}

void callcheck_begin(call_frame *f, unsigned allowed)
{
    f->outer = current;
    /* Hidden from ThreadSanitizer: a counter every call increments would
     * otherwise order each call after all earlier ones, and hide races. */
    eng_hide_begin();
    uint64_t n = atomic_fetch_add(&next_call, 1);
    eng_hide_end();
    f->ctx = (n << 8) | (allowed & CTX_FLAGS);
    f->nheld = 0;
    current = f->ctx;
    int t = eng_self_index();
    if (!E.ready || t < 0)
        return;
    /* Only this thread changes its own held list (under E.mu): no lock
     * needed to read it here (nor in callcheck_end's fast path). */
    eng_hide_begin();
    f->nheld = __atomic_load_n(&E.threads[t].nheld, __ATOMIC_RELAXED);
    eng_hide_end();
}

void callcheck_started(pthread_t t, uint64_t ctx, bool detached, void *site,
                       atomic_bool *recorded)
{
    if (!E.ready || ctx == 0 || (detached && (ctx & CALL_MAY_DETACH))) {
        eng_hide_begin();
        atomic_store(recorded, true);
        eng_hide_end();
        return;
    }
    eng_enter();
    int i = -1;
    if (free_list) {
        i = free_list - 1;
        free_list = table[i].next;
    } else if (high_water < CC_MAX_THREADS) {
        i = high_water++;
    }
    if (i >= 0) { /* else untracked: never a false alarm */
        unsigned b = bucket_of(t);
        table[i] = (started){ t, ctx, site, detached ? site : NULL, true, buckets[b] };
        buckets[b] = i + 1;
        if (__atomic_add_fetch(&outstanding, 1, __ATOMIC_RELAXED) > outstanding_max)
            outstanding_max = outstanding;
    }
    atomic_store(recorded, true);
    eng_leave();
}

/* Under E.mu: the entry a join of t that has returned ended: the oldest one
 * not detached. Once that join returned, glibc may give t's pthread_t at
 * once to a thread started since, whose newer entry must stay; a joinable
 * thread's pthread_t names no other joinable thread until it is joined. */
static int find_joined(pthread_t t)
{
    int found = -1;
    for (int i = buckets[bucket_of(t)] - 1; i >= 0; i = table[i].next - 1)
        if (pthread_equal(table[i].thread, t) && !table[i].detach_site)
            found = i;
    return found;
}

void callcheck_joined(pthread_t t)
{
    if (!E.ready)
        return;
    eng_enter();
    int i = outstanding ? find_joined(t) : -1;
    if (i >= 0)
        forget(i);
    eng_leave();
}

int callcheck_unjoined(void)
{
    if (!E.ready)
        return 0;
    eng_enter();
    int n = outstanding;
    eng_leave();
    return n;
}

int callcheck_unjoined_max(bool reset)
{
    if (!E.ready)
        return 0;
    eng_enter();
    int n = outstanding_max;
    if (reset)
        outstanding_max = outstanding;
    eng_leave();
    return n;
}

void callcheck_detached(pthread_t t, void *site)
{
    if (!E.ready)
        return;
    eng_enter();
    int i = outstanding ? find(t) : -1;
    if (i >= 0 && (table[i].ctx & CALL_MAY_DETACH))
        forget(i); /* nobody's to join now */
    else if (i >= 0 && !table[i].detach_site)
        table[i].detach_site = site;
    eng_leave();
}

/* Under E.mu: the threads of call f that should have been joined. */
static void check_threads(const call_frame *f, const char *name)
{
    unsigned allowed = (unsigned)(f->ctx & CTX_FLAGS);
    int unjoined = 0;
    const started *first = NULL, *detached = NULL;
    for (int i = 0; i < high_water && outstanding > 0; i++) {
        started *s = &table[i];
        if (!s->used || s->ctx != f->ctx)
            continue;
        if (s->detach_site) {
            if (!detached)
                detached = s;
        } else if (allowed & CALL_LEAVES_THREADS) {
            continue; /* joined by a later call, or never */
        } else if (unjoined++ == 0) {
            first = s;
        }
    }
    char buf[1024];
    size_t len = 0;
    if (detached) {
        eng_appendf(buf, sizeof buf, &len, "%s detached a thread it started (started at ", name);
        eng_site(buf, sizeof buf, &len, detached->site);
        eng_appendf(buf, sizeof buf, &len, ", detached at ");
        eng_site(buf, sizeof buf, &len, detached->detach_site);
        eng_appendf(buf, sizeof buf, &len, "): nothing then tells when it is gone. Join every "
                                           "thread it starts before it returns");
    } else if (first && (allowed & CALL_MAY_DETACH)) {
        /* A call whose threads are meant to run on alone (a daemon). */
        eng_appendf(buf, sizeof buf, &len, "%s returned leaving %d thread%s it started joinable "
                    "(%s", name, unjoined, unjoined == 1 ? "" : "s",
                    unjoined == 1 ? "at " : "the first at ");
        eng_site(buf, sizeof buf, &len, first->site);
        eng_appendf(buf, sizeof buf, &len, "): nobody will join it, so it is never reclaimed. "
                                           "Detach it (pthread_detach, or create it detached) "
                                           "before returning");
    } else if (first) {
        eng_appendf(buf, sizeof buf, &len, "%s returned without joining %d thread%s it started (%s",
                    name, unjoined, unjoined == 1 ? "" : "s", unjoined == 1 ? "at " : "the first at ");
        eng_site(buf, sizeof buf, &len, first->site);
        eng_appendf(buf, sizeof buf, &len, "): join every thread it starts before it returns, "
                                           "also one that has already finished");
    }
    /* Reported or not, these are this call's and nobody else's. */
    for (int i = 0; i < high_water && outstanding > 0; i++)
        if (table[i].used && table[i].ctx == f->ctx &&
            (table[i].detach_site || !(allowed & CALL_LEAVES_THREADS)))
            forget(i);
    if (len > 0)
        report(buf);
}

/* Under E.mu: a mutex thread t locked during call f and still holds. */
static void check_locks(const call_frame *f, int t, const char *name)
{
    const eng_thread *th = &E.threads[t];
    if ((f->ctx & CALL_RETURNS_LOCKED) || th->nheld <= f->nheld)
        return;
    const eng_held *h = &th->held[f->nheld];
    char buf[1024];
    size_t len = 0;
    eng_appendf(buf, sizeof buf, &len, "%s returned holding lock %d (locked at ", name, h->lock + 1);
    eng_site(buf, sizeof buf, &len, h->site);
    eng_appendf(buf, sizeof buf, &len, "): every path out of it must unlock what it locked");
    report(buf);
}

void callcheck_end(call_frame *f, const char *name)
{
    current = f->outer;
    eng_hide_begin();
    bool done = atomic_load_explicit(&reported, memory_order_relaxed);
    eng_hide_end();
    if (!E.ready || done)
        return;
    int t = eng_self_index();
    /* The common case without E.mu, taken by every call of every thread: no
     * thread started and not joined anywhere (a thread this call started
     * registered itself before its pthread_create returned here, or before
     * a join returned here), and no more mutexes held than at the start. */
    eng_hide_begin();
    bool clean = __atomic_load_n(&outstanding, __ATOMIC_RELAXED) == 0 &&
                 (t < 0 || __atomic_load_n(&E.threads[t].nheld, __ATOMIC_RELAXED) <= f->nheld);
    eng_hide_end();
    if (clean)
        return;
    eng_enter();
    if (outstanding > 0)
        check_threads(f, name);
    if (t >= 0)
        check_locks(f, t, name);
    eng_leave();
}
