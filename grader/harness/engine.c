/* engine.c - the engine's bookkeeping: threads, mutexes, and the wrapped
 * calls that keep them up to date (see engine.h for what the engine is for).
 *
 * A blocking lock first tries the mutex; only when that fails does the thread
 * record what it waits for and look for a wait cycle (it holds a mutex that,
 * through a chain of waiting threads, the owner of the one it wants waits
 * for). The last thread to close a cycle always sees it: every state change
 * and every check happens under E.mu, and a thread records a mutex as held
 * only after it has it and as free before it lets it go.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "engine_int.h"
#include "timeline.h"
#include "vclock.h"

#include <errno.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

engine_state E = { .mu = PTHREAD_MUTEX_INITIALIZER };

static _Thread_local int my_index = -1;
static pthread_key_t exit_key;
static int next_thread_id = 1;
static int nlive_locks;

void eng_hide_begin(void) { tsan_hide_begin(); }

void eng_hide_end(void) { tsan_hide_end(); }

void eng_enter(void)
{
    eng_hide_begin();
    E.R.mutex_lock(&E.mu);
}

void eng_leave(void)
{
    E.R.mutex_unlock(&E.mu);
    eng_hide_end();
}

static void progress(void) { atomic_fetch_add_explicit(&E.progress, 1, memory_order_relaxed); }

/* ---- text ----------------------------------------------------------------- */

void eng_appendf(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
    if (*len + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n > 0)
        *len = *len + (size_t)n < cap ? *len + (size_t)n : cap - 1;
}

void eng_site(char *buf, size_t cap, size_t *len, const void *site)
{
    uintptr_t a = (uintptr_t)site;
    if (a > E.exe_lo && a <= E.exe_hi)
        eng_appendf(buf, cap, len, "@%lx", (unsigned long)(a - 1 - E.exe_base));
    else
        eng_appendf(buf, cap, len, "?");
}

/* ---- threads --------------------------------------------------------------- */

/* Under E.mu: thread t has ended. */
static void thread_ended(int t)
{
    if (E.threads[t].alive) /* once: the exit hook's last round or a join */
        misuse_exit_holding(t);
    E.threads[t].alive = false;
    E.threads[t].wait = W_NONE;
}

/* The end of a thread, as the engine sees it. glibc calls a thread's key
 * destructors in rounds, each round in key order (the engine's key, made
 * first, is called first), and runs another round while a destructor has
 * set a value, up to PTHREAD_DESTRUCTOR_ITERATIONS rounds. The destructors
 * of the code under test (pthread_key_create's, tss_create's) run after
 * this one is first called, on a thread that is still alive: it may lock,
 * wait and hold a mutex another thread waits for. So this destructor sets
 * its value again each round and marks the thread exited only in glibc's
 * last round, after every other destructor has run (unless one set its
 * value in every round); a join that returns marks it exited too. */
static _Thread_local int exit_rounds;

static void on_thread_exit(void *p)
{
    if (++exit_rounds < PTHREAD_DESTRUCTOR_ITERATIONS) {
        pthread_setspecific(exit_key, p);
        return;
    }
    int t = (int)(intptr_t)p - 1;
    eng_enter();
    thread_ended(t);
    eng_leave();
    progress();
}

/* Under E.mu: the calling thread's slot (registered on first use), or -1. */
static int me_locked(void)
{
    if (my_index >= 0)
        return my_index;
    int slot = -1;
    for (int i = 0; i < E.nthreads && slot < 0; i++)
        if (!E.threads[i].alive && E.threads[i].nheld == 0)
            slot = i; /* an exited thread that holds nothing */
    if (slot < 0 && E.nthreads < ENG_MAX_THREADS)
        slot = E.nthreads++;
    if (slot < 0)
        return -1;
    eng_thread *th = &E.threads[slot];
    memset(th, 0, sizeof *th);
    th->id = next_thread_id++;
    th->used = th->alive = true;
    th->self = pthread_self();
    th->tid = gettid();
    th->wait_thread = -1;
    noise_thread_init(th);
    my_index = slot;
    pthread_setspecific(exit_key, (void *)(intptr_t)(slot + 1));
    return slot;
}

static int me(void)
{
    if (my_index >= 0)
        return my_index;
    eng_enter();
    int t = me_locked();
    eng_leave();
    return t;
}

int eng_thread_index(void) { return me(); }

void eng_idle(bool on)
{
    /* Under virtual time every stub must be known: an idle one stops the clock. */
    if (!E.ready || (my_index < 0 && !vclock_active()))
        return;
    int t = me();
    if (t < 0)
        return;
    eng_enter();
    E.threads[t].wait = on ? W_IDLE : W_NONE;
    E.threads[t].wait_site = NULL;
    if (!on)
        vclock_unpark_locked(t);
    eng_leave();
}

void eng_thread_start(void)
{
    if (E.ready)
        me();
    progress();
}

void eng_interleave(bool on)
{
    int t = me();
    eng_hide_begin();
    if (t >= 0)
        E.threads[t].interleave = on;
    eng_hide_end();
}

bool eng_others_blocked(int t)
{
    bool all = true;
    eng_enter();
    for (int i = 0; i < E.nthreads && all; i++) {
        const eng_thread *o = &E.threads[i];
        if (i != t && o->alive && o->wait == W_NONE)
            all = false;
    }
    eng_leave();
    return all;
}

int eng_self_index(void) { return my_index; }

bool eng_others_asleep(void) { return E.ready && eng_others_blocked(me()); }

/* ---- mutexes --------------------------------------------------------------- */

static unsigned bucket_of(const void *addr)
{
    uint64_t h = (uint64_t)(uintptr_t)addr * 0x9E3779B97F4A7C15ull;
    return (unsigned)(h >> 40) % ENG_LOCK_BUCKETS;
}

static int lock_find(const void *addr)
{
    for (int i = E.buckets[bucket_of(addr)] - 1; i >= 0; i = E.locks[i].next - 1)
        if (E.locks[i].addr == addr)
            return i;
    return -1;
}

static int lock_get(const void *addr)
{
    int i = lock_find(addr);
    if (i >= 0)
        return i;
    if (E.free_lock > 0) {
        i = E.free_lock - 1;
        E.free_lock = E.locks[i].next;
    } else if (E.nlocks < ENG_MAX_LOCKS) {
        i = E.nlocks++;
    } else {
        return -1; /* untracked: calls still work, unobserved */
    }
    eng_lock *L = &E.locks[i];
    uint16_t gen = L->gen;
    memset(L, 0, sizeof *L);
    L->gen = gen;
    L->addr = addr;
    L->owner = -1;
    L->live = true;
    unsigned b = bucket_of(addr);
    L->next = E.buckets[b];
    E.buckets[b] = i + 1;
    nlive_locks++;
    return i;
}

static void drop_held(int t, int lock)
{
    eng_thread *th = &E.threads[t];
    for (int i = th->nheld - 1; i >= 0; i--) {
        if (th->held[i].lock == lock) {
            memmove(&th->held[i], &th->held[i + 1], (size_t)(th->nheld - i - 1) * sizeof th->held[0]);
            th->nheld--;
            if (th->nheld == 0)
                atomic_fetch_add_explicit(&E.sections, 1, memory_order_relaxed);
            return;
        }
    }
}

static void lock_forget(int i)
{
    eng_lock *L = &E.locks[i];
    if (L->owner >= 0)
        drop_held(L->owner, i);
    unsigned b = bucket_of(L->addr);
    for (int *p = &E.buckets[b]; *p; p = &E.locks[*p - 1].next) {
        if (*p - 1 == i) {
            *p = L->next;
            break;
        }
    }
    L->live = false;
    L->gen++;
    L->addr = NULL;
    L->next = E.free_lock;
    E.free_lock = i + 1;
    nlive_locks--;
}

lock_key eng_key(int lock) { return ((lock_key)E.locks[lock].gen << 16) | (lock_key)lock; }

bool eng_key_live(lock_key k)
{
    const eng_lock *L = &E.locks[eng_key_index(k)];
    return L->live && L->gen == (k >> 16);
}

static bool in_range(const void *a, const void *p, size_t n)
{
    return (const char *)a >= (const char *)p && (const char *)a < (const char *)p + n;
}

void eng_forget_range(const void *p, size_t n, void *site)
{
    if (!E.ready || !p)
        return;
    eng_enter();
    for (int i = 0; nlive_locks > 0 && i < E.nlocks; i++) {
        if (E.locks[i].live && in_range(E.locks[i].addr, p, n)) {
            if (E.locks[i].owner >= 0)
                misuse_freed(me_locked(), i, site);
            lock_forget(i);
        }
    }
    for (int i = 0; i < E.nconds; i++)
        if (in_range(E.conds[i], p, n))
            misuse_cond_reset(i + 1); /* a condition variable gone: nobody waits on it */
    eng_leave();
}

enum { KIND_NORMAL, KIND_RECURSIVE, KIND_ERRORCHECK };

static int mutex_kind(const pthread_mutex_t *m)
{
#ifdef __GLIBC__
    switch (m->__data.__kind & 3) {
    case PTHREAD_MUTEX_RECURSIVE: return KIND_RECURSIVE;
    case PTHREAD_MUTEX_ERRORCHECK: return KIND_ERRORCHECK;
    default: return KIND_NORMAL;
    }
#else
    (void)m;
    return KIND_NORMAL;
#endif
}

/* ---- reports --------------------------------------------------------------- */

void eng_report_deadlock(const char *text)
{
    if (!atomic_exchange_explicit(&E.deadlock_reported, true, memory_order_relaxed)) {
        E.report("deadlock", text);
        engine_report_timeline();
    }
    if (E.cfg.exit_on_deadlock)
        _exit(ENGINE_DEADLOCK_EXIT);
}

/* Under E.mu: thread t, about to lock a normal mutex `lock` at `site`,
 * already holds it: a misuse, and the thread now waits for itself forever,
 * so the run ends here when deadlocks end it. */
static void report_relock(int t, int lock, void *site)
{
    misuse_relock(t, lock, site, true);
    if (E.cfg.exit_on_deadlock)
        _exit(ENGINE_DEADLOCK_EXIT);
}

/* The call returned rc: an error that correct code never gets is a misuse.
 * Without E.mu (cheap when rc is 0). */
static void call_failed(int t, const char *call, int rc, void *site)
{
    if (rc == 0 || t < 0)
        return;
    eng_enter();
    misuse_error(t, call, rc, site);
    eng_leave();
}

/* ---- the wrapped calls ------------------------------------------------------ */

/* Under E.mu: thread t used object o (its number n) at site: the
 * process-shared rule (pshared.c), once per object and process, and only
 * once the student has mapped shared memory. */
static void object_used(int t, enum pshared_kind k, const void *o, int n, void *site)
{
    if (atomic_load_explicit(&pshared_active, memory_order_relaxed))
        pshared_used(t, k, o, pshared_is_private(k, o), n, site);
}

/* Thread t is about to lock or unlock mutex m: the rule above, before a
 * call that may never return (a private mutex shared by two processes
 * loses its wake-ups). */
static void mutex_used(int t, const pthread_mutex_t *m, void *site)
{
    if (!atomic_load_explicit(&pshared_active, memory_order_relaxed))
        return;
    eng_enter();
    int li = lock_get(m);
    if (li >= 0)
        object_used(t, PS_MUTEX, m, li + 1, site);
    eng_leave();
}

/* Thread t now has mutex m. `order`: a blocking acquisition, which counts in
 * the lock-order graph. */
static void acquired(int t, const void *m, void *site, bool order)
{
    eng_enter();
    eng_thread *th = &E.threads[t];
    th->wait = W_NONE;
    int li = lock_get(m);
    if (E.cfg.no_recursive_mutex && mutex_kind((const pthread_mutex_t *)m) == KIND_RECURSIVE)
        misuse_recursive(t, li, site);
    if (li >= 0) {
        eng_lock *L = &E.locks[li];
        if (L->owner == t) {
            L->depth++;
        } else {
            if (L->owner >= 0)
                drop_held(L->owner, li); /* stale: its unlock was not seen */
            if (order && th->nheld > 0)
                lockorder_acquired(t, li, site);
            L->owner = t;
            L->depth = 0;
            if (th->nheld < ENG_MAX_HELD)
                th->held[th->nheld++] = (eng_held){ li, site };
        }
    }
    TIMELINE(t, TL_LOCK, li + 1, 0, site);
    eng_leave();
    progress();
}

static void not_waiting(int t)
{
    eng_enter();
    E.threads[t].wait = W_NONE;
    eng_leave();
}

/* Under E.mu: thread t will block on mutex li; reports a cycle if it closes one. */
static void will_wait_mutex(int t, int li, void *site, bool timed)
{
    eng_thread *th = &E.threads[t];
    th->wait = W_MUTEX;
    th->wait_lock = li;
    th->wait_site = site;
    th->wait_timed = timed;
    waitpause_mutex_blocked(); /* a setter a paused waiter awaits? */
    char buf[2048];
    if (li >= 0 && !timed && eng_find_wait_cycle(t, buf, sizeof buf))
        eng_report_deadlock(buf);
}

int eng_mutex_lock(pthread_mutex_t *m, void *site)
{
    int t = me();
    if (t < 0)
        return E.R.mutex_lock(m);
    mutex_used(t, m, site);
    noise_point(&E.threads[t]);
    eng_enter();
    int li = lock_get(m);
    if (li >= 0 && E.locks[li].owner == t) {
        int kind = mutex_kind(m);
        if (kind == KIND_ERRORCHECK) {
            misuse_relock(t, li, site, false);
            eng_leave();
            return E.R.mutex_lock(m); /* EDEADLK */
        }
        if (kind == KIND_NORMAL)
            report_relock(t, li, site);
    }
    eng_leave();
    int rc = E.R.mutex_trylock(m);
    if (rc == EBUSY) {
        eng_enter();
        will_wait_mutex(t, lock_get(m), site, false);
        eng_leave();
        rc = E.R.mutex_lock(m);
    }
    if (rc == 0) {
        acquired(t, m, site, true);
        noise_point(&E.threads[t]); /* a longer critical section: more contention */
    } else {
        not_waiting(t);
        call_failed(t, "pthread_mutex_lock", rc, site);
    }
    return rc;
}

int eng_mutex_trylock(pthread_mutex_t *m, void *site)
{
    int t = me();
    if (t < 0)
        return E.R.mutex_trylock(m);
    mutex_used(t, m, site);
    noise_point(&E.threads[t]);
    int rc = E.R.mutex_trylock(m);
    if (rc == 0) {
        acquired(t, m, site, false);
        noise_point(&E.threads[t]);
    } else if (rc == EBUSY) {
        TIMELINE(t, TL_BUSY, 0, 0, site);
    } else {
        call_failed(t, "pthread_mutex_trylock", rc, site);
    }
    return rc;
}

int eng_mutex_timedlock(pthread_mutex_t *m, const struct timespec *ts, void *site)
{
    int t = me();
    if (t < 0)
        return E.R.mutex_timedlock(m, ts);
    mutex_used(t, m, site);
    noise_point(&E.threads[t]);
    eng_enter();
    bool bad = misuse_deadline(t, "pthread_mutex_timedlock", ts, CLOCK_REALTIME, site);
    will_wait_mutex(t, lock_get(m), site, true);
    eng_leave();
    int rc = E.R.mutex_timedlock(m, ts);
    if (rc == 0) {
        acquired(t, m, site, false);
        noise_point(&E.threads[t]);
    } else {
        not_waiting(t);
        if (!bad && rc != ETIMEDOUT)
            call_failed(t, "pthread_mutex_timedlock", rc, site);
    }
    return rc;
}

/* Under E.mu: forget that t holds li (before the real unlock). Returns false
 * when the real unlock will refuse (a checked mutex t does not own). */
static void released(int t, int li, const pthread_mutex_t *m)
{
    eng_lock *L = &E.locks[li];
    if (L->owner == t && L->depth > 0) {
        L->depth--;
        return;
    }
    if (L->owner != t && mutex_kind(m) != KIND_NORMAL)
        return; /* EPERM: nothing changes */
    if (L->owner >= 0)
        drop_held(L->owner, li);
    L->owner = -1;
}

int eng_mutex_unlock(pthread_mutex_t *m, void *site)
{
    int t = me();
    if (t < 0)
        return E.R.mutex_unlock(m);
    eng_enter();
    int li = lock_find(m);
    bool bad = misuse_unlock(t, li, site);
    if (li >= 0)
        released(t, li, m);
    TIMELINE(t, TL_UNLOCK, li + 1, 0, site);
    eng_leave();
    int rc = E.R.mutex_unlock(m);
    if (!bad)
        call_failed(t, "pthread_mutex_unlock", rc, site);
    noise_after_unlock(&E.threads[t]);
    return rc;
}

int eng_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a, void *site)
{
    int t = -1;
    if (E.ready) {
        eng_enter();
        t = me_locked();
        int li = lock_find(m);
        if (li >= 0)
            lock_forget(li); /* a new mutex where an old one was */
        eng_leave();
    }
    int rc = E.R.mutex_init(m, a);
    call_failed(t, "pthread_mutex_init", rc, site);
    return rc;
}

int eng_mutex_destroy(pthread_mutex_t *m, void *site)
{
    int t = -1;
    bool bad = false;
    if (E.ready) {
        eng_enter();
        t = me_locked();
        int li = lock_find(m);
        if (t >= 0)
            bad = misuse_destroy_mutex(t, li, site);
        if (li >= 0)
            lock_forget(li);
        eng_leave();
    }
    int rc = E.R.mutex_destroy(m);
    if (!bad)
        call_failed(t, "pthread_mutex_destroy", rc, site);
    return rc;
}

/* The clock a condition variable's timed waits use: glibc keeps it in the
 * object (bit 1 of __wrefs, set by pthread_condattr_setclock through
 * pthread_cond_init), so this is right however the condition was made. */
static clockid_t cond_clock(pthread_cond_t *c)
{
#ifdef __GLIBC__
    unsigned wrefs = __atomic_load_n(&c->__data.__wrefs, __ATOMIC_RELAXED);
    return (wrefs & 2) ? CLOCK_MONOTONIC : CLOCK_REALTIME;
#else
    (void)c;
    return CLOCK_REALTIME;
#endif
}

static int cond_find(const void *c)
{
    for (int i = 0; i < E.nconds; i++)
        if (E.conds[i] == c)
            return i + 1;
    return 0;
}

static int cond_id(const void *c)
{
    for (int i = 0; i < E.nconds; i++)
        if (E.conds[i] == c)
            return i + 1;
    if (E.nconds < ENG_MAX_CONDS) {
        E.conds[E.nconds++] = c;
        return E.nconds;
    }
    return 0;
}

static int cond_wait_common(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *ts,
                            void *site)
{
    int t = me();
    if (t < 0)
        return ts ? E.R.cond_timedwait(c, m, ts) : E.R.cond_wait(c, m);
    eng_thread *th = &E.threads[t];
    const char *call = ts ? "pthread_cond_timedwait" : "pthread_cond_wait";
    eng_enter();
    int cid = cond_id(c);
    object_used(t, PS_COND, c, cid, site);
    int mli = lock_find(m);
    bool bad = misuse_wait_without_lock(t, cid, mli, site);
    misuse_wait_pairing(t, cid, mli, site);
    if (ts && misuse_deadline(t, call, ts, cond_clock(c), site))
        bad = true;
    eng_leave();
    /* A misused wait is left to the real call: no spurious wake-up through
     * an unlock the thread has no right to. */
    if (!bad && noise_spurious(th)) {
        /* A spurious wake-up: the mutex is released and taken again, and the
         * wait returns 0 although nobody signalled. */
        eng_enter();
        TIMELINE(t, ts ? TL_TIMEDWAIT : TL_WAIT, cond_id(c), lock_find(m) + 1, site);
        eng_leave();
        eng_mutex_unlock(m, site);
        int rc = eng_mutex_lock(m, site);
        TIMELINE_WAIT_RESULT(t, TIMELINE_SPURIOUS);
        return rc;
    }
    /* A waiter from here on for the misuse rules (a destroy during the pause
     * below destroys a condition variable this thread is about to wait on),
     * then the lost wake-up window, held open (waitpause.c). */
    eng_enter();
    int li = lock_find(m);
    misuse_wait_begin(t, cid, li, site);
    eng_leave();
    bool missed = !bad && waitpause_before_wait(t, cid, m, li, ts, cond_clock(c));
    eng_enter();
    if (li >= 0) /* the same mutex: the thread has held it throughout */
        released(t, li, m);
    th->wait = W_COND;
    th->wait_cond = cid;
    th->wait_lock = li;
    th->wait_site = site;
    th->wait_timed = ts != NULL;
    th->wait_missed = missed;
    if (missed)
        TIMELINE(t, TL_MISSED, cid, li + 1, site);
    TIMELINE(t, ts ? TL_TIMEDWAIT : TL_WAIT, th->wait_cond, li + 1, site);
    eng_leave();
    int rc = ts ? E.R.cond_timedwait(c, m, ts) : E.R.cond_wait(c, m);
    eng_enter();
    misuse_wait_end(cid);
    eng_leave();
    acquired(t, m, site, true);
    TIMELINE_WAIT_RESULT(t, rc);
    if (!bad && rc != ETIMEDOUT)
        call_failed(t, call, rc, site);
    return rc;
}

/* The deadline ts on clock `from`, moved onto clock `to`: both read at one
 * moment (virtually when time is), so the wait lasts what the caller
 * asked. A deadline with an invalid tv_nsec is left alone, for the misuse
 * rule and the real call's EINVAL. */
const struct timespec *eng_move_deadline(const struct timespec *ts, clockid_t from, clockid_t to,
                                         struct timespec *out)
{
    if (!ts || from == to || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L)
        return ts;
    struct timespec now_from, now_to;
    if (vclock_active()) {
        vclock_gettime(from, &now_from);
        vclock_gettime(to, &now_to);
    } else {
        clock_gettime(from, &now_from);
        clock_gettime(to, &now_to);
    }
    int64_t ns = ((int64_t)ts->tv_sec - now_from.tv_sec + now_to.tv_sec) * 1000000000LL +
                 ts->tv_nsec - now_from.tv_nsec + now_to.tv_nsec;
    if (ns < 0)
        ns = 0; /* long past on the new clock too */
    out->tv_sec = (time_t)(ns / 1000000000LL);
    out->tv_nsec = (long)(ns % 1000000000LL);
    return out;
}

/* pthread_cond_clockwait: the engine's timed wait, with the deadline moved
 * onto the condition's own clock. */
int eng_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clock,
                       const struct timespec *ts, void *site)
{
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC) {
        int t = E.ready ? me() : -1;
        call_failed(t, "pthread_cond_clockwait", EINVAL, site);
        return EINVAL;
    }
    struct timespec moved;
    return cond_wait_common(c, m, eng_move_deadline(ts, clock, cond_clock(c), &moved), site);
}

int eng_cond_wait(pthread_cond_t *c, pthread_mutex_t *m, void *site)
{
    return cond_wait_common(c, m, NULL, site);
}

int eng_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *ts,
                       void *site)
{
    return cond_wait_common(c, m, ts, site);
}

/* Thread t signals or broadcasts condition c. Its number needs E.mu, but
 * cond_id never forgets an address, so a thread keeps its last answer: a
 * loop that signals one condition takes no lock for it. */
static int timeline_cond(int t, enum tl_kind kind, const pthread_cond_t *c, void *site)
{
    static _Thread_local const pthread_cond_t *last_cond;
    static _Thread_local int last_id;
    eng_hide_begin();
    if (c != last_cond) {
        eng_enter();
        last_id = cond_id(c);
        eng_leave();
        last_cond = c;
    }
    if (atomic_load_explicit(&pshared_active, memory_order_relaxed)) {
        eng_enter(); /* (the cache above may be a parent's, copied by fork) */
        object_used(t, PS_COND, c, last_id, site);
        eng_leave();
    }
    TIMELINE(t, kind, last_id, 0, site);
    int id = last_id;
    eng_hide_end();
    return id;
}

int eng_cond_signal(pthread_cond_t *c, void *site)
{
    int t = me();
    if (t >= 0)
        noise_point(&E.threads[t]);
    int cid = t >= 0 ? timeline_cond(t, TL_SIGNAL, c, site) : 0;
    int rc = E.R.cond_signal(c);
    waitpause_signalled(cid); /* after it: a paused waiter has missed it */
    return rc;
}

int eng_cond_broadcast(pthread_cond_t *c, void *site)
{
    int t = me();
    if (t >= 0)
        noise_point(&E.threads[t]);
    int cid = t >= 0 ? timeline_cond(t, TL_BROADCAST, c, site) : 0;
    int rc = E.R.cond_broadcast(c);
    waitpause_signalled(cid); /* after it: a paused waiter has missed it */
    return rc;
}

int eng_cond_destroy(pthread_cond_t *c, void *site)
{
    int t = -1;
    bool bad = false;
    if (E.ready) {
        eng_enter();
        t = me_locked();
        int cid = cond_find(c);
        if (t >= 0)
            bad = misuse_destroy_cond(t, cid, site);
        misuse_cond_reset(cid);
        eng_leave();
    }
    int rc = E.R.cond_destroy(c);
    if (!bad)
        call_failed(t, "pthread_cond_destroy", rc, site);
    return rc;
}

bool eng_check_deadline(const char *call, const struct timespec *ts, clockid_t clock, void *site)
{
    int t = E.ready ? me() : -1;
    if (t < 0)
        return false;
    eng_enter();
    bool bad = misuse_deadline(t, call, ts, clock, site);
    eng_leave();
    return bad;
}

int eng_join_target(int t)
{
    eng_thread *th = &E.threads[t];
    if (th->wait != W_JOIN)
        return -1;
    if (th->wait_thread < 0)
        for (int i = 0; i < E.nthreads; i++)
            if (i != t && E.threads[i].alive && pthread_equal(E.threads[i].self, th->wait_target)) {
                th->wait_thread = i;
                th->wait_thread_id = E.threads[i].id;
            }
    return th->wait_thread;
}

int eng_join(pthread_t target, void **ret, void *site)
{
    int t = me();
    if (t < 0)
        return E.R.join(target, ret);
    eng_enter();
    eng_thread *th = &E.threads[t];
    th->wait = W_JOIN;
    th->wait_target = target;
    th->wait_thread = -1;
    int found = eng_join_target(t);
    TIMELINE(t, TL_JOIN, found >= 0 ? E.threads[found].id : 0, 0, site);
    th->wait_site = site;
    th->wait_timed = false;
    char buf[2048];
    if (found >= 0 && eng_find_wait_cycle(t, buf, sizeof buf))
        eng_report_deadlock(buf);
    eng_leave();
    int rc = E.R.join(target, ret);
    eng_enter();
    E.threads[t].wait = W_NONE;
    /* The joined thread is gone, whatever its destructors did. It is the
     * one found while the join waited, by slot and id: once the join has
     * returned, its pthread_t may already name a thread started since (glibc
     * reuses them at once), which must not be taken for it. */
    int j = E.threads[t].wait_thread;
    if (rc == 0 && j >= 0 && E.threads[j].alive && E.threads[j].id == E.threads[t].wait_thread_id)
        thread_ended(j);
    eng_leave();
    progress();
    call_failed(t, "pthread_join", rc, site);
    return rc;
}

/* ---- read-write locks, spin locks, barriers ------------------------------------
 *
 * Read-write locks and spin locks are locks like mutexes: in the held lists,
 * the lock-order graph, the wait-for cycles and the hang reports. A
 * read-write lock has one writer (its owner) or any number of readers (each
 * with it in its held list). What is reported:
 * - A blocked rdlock/wrlock waits for every thread holding the lock, writer
 *   or readers: a cycle through any of them is a deadlock (the waiter needs
 *   them all to let go). A reader blocks only when the real tryrdlock
 *   failed: a writer holds it, or (a writer-preferring lock) one is queued,
 *   and that writer waits for the readers.
 * - Lock order ignores the mode: rdlock(A) then lock(B) in one thread and
 *   lock(B) then rdlock(A) in another is reported. glibc's default rwlock
 *   lets a reader in beside readers, so those two alone never block; but
 *   POSIX leaves the preference open, and with a writer queued on A (and a
 *   writer-preferring lock) the second reader waits behind it: a deadlock.
 * - A thread that write-locks what it holds for reading waits for itself
 *   forever (glibc returns EDEADLK to a writer that relocks: not reported).
 * Spin locks are plain (non-recursive) mutexes that spin. Barriers are waits
 * in the hang report; a barrier waits for threads, not for a holder, so it
 * closes no cycle. */

static int rd_try(void *l) { return E.R.rwlock_tryrdlock(l); }
static int rd_block(void *l) { return E.R.rwlock_rdlock(l); }
static int wr_try(void *l) { return E.R.rwlock_trywrlock(l); }
static int wr_block(void *l) { return E.R.rwlock_wrlock(l); }
static int spin_try(void *l) { return E.R.spin_trylock(l); }
static int spin_block(void *l) { return E.R.spin_lock(l); }

/* Under E.mu: does thread t hold lock li (in any mode)? */
static bool holds(int t, int li)
{
    const eng_thread *th = &E.threads[t];
    for (int i = 0; i < th->nheld; i++)
        if (th->held[i].lock == li)
            return true;
    return false;
}

/* Thread t now holds the read-write or spin lock l (shared: for reading). */
static void rw_acquired(int t, const void *l, void *site, bool order, bool shared)
{
    eng_enter();
    eng_thread *th = &E.threads[t];
    th->wait = W_NONE;
    int li = lock_get(l);
    if (li >= 0) {
        eng_lock *L = &E.locks[li];
        if (L->owner >= 0 && L->owner != t)
            drop_held(L->owner, li); /* stale: its unlock was not seen */
        if (order && th->nheld > 0)
            lockorder_acquired(t, li, site);
        L->owner = shared ? -1 : t;
        if (th->nheld < ENG_MAX_HELD)
            th->held[th->nheld++] = (eng_held){ li, site };
    }
    TIMELINE(t, shared ? TL_RDLOCK : TL_LOCK, li + 1, 0, site);
    eng_leave();
    progress();
}

/* Under E.mu: thread t, about to wait for lock li at `site`, already holds
 * it in a way that makes it wait for itself (`how`: "write-locks"...). */
static void report_self_wait(int t, int li, void *site, const char *how, const char *held_as)
{
    char buf[1024];
    size_t len = 0;
    const eng_thread *th = &E.threads[t];
    void *first = NULL;
    for (int i = 0; i < th->nheld; i++)
        if (th->held[i].lock == li)
            first = th->held[i].site;
    eng_appendf(buf, sizeof buf, &len, "thread %d %s lock %d at ", th->id, how, li + 1);
    eng_site(buf, sizeof buf, &len, site);
    eng_appendf(buf, sizeof buf, &len, " while it already holds it%s (locked at ", held_as);
    eng_site(buf, sizeof buf, &len, first);
    eng_appendf(buf, sizeof buf, &len, "): it waits for itself forever");
    eng_report_deadlock(buf);
}

/* A blocking acquisition of a read-write or spin lock: try it, and only if
 * that fails record the wait (and look for a cycle) before blocking. */
static int lock_blocking(void *l, int (*try)(void *), int (*block)(void *), enum wait_kind kind,
                         bool shared, void *site)
{
    int t = me();
    if (t < 0)
        return block(l);
    noise_point(&E.threads[t]);
    eng_enter();
    int li = lock_get(l);
    if (li >= 0 && kind == W_RWLOCK)
        object_used(t, PS_RWLOCK, l, li + 1, site);
    if (li >= 0 && holds(t, li)) {
        if (kind == W_SPIN)
            report_self_wait(t, li, site, "spin-locks", "");
        else if (!shared && E.locks[li].owner != t)
            report_self_wait(t, li, site, "write-locks", " for reading");
    }
    eng_leave();
    int rc = try(l);
    if (rc == EBUSY) {
        eng_enter();
        eng_thread *th = &E.threads[t];
        th->wait = kind;
        th->wait_lock = lock_get(l);
        th->wait_site = site;
        th->wait_timed = false;
        char buf[2048];
        if (th->wait_lock >= 0 && eng_find_wait_cycle(t, buf, sizeof buf))
            eng_report_deadlock(buf);
        eng_leave();
        rc = block(l);
    }
    if (rc == 0) {
        rw_acquired(t, l, site, true, shared);
        noise_point(&E.threads[t]);
    } else {
        not_waiting(t);
    }
    return rc;
}

static int lock_try(void *l, int (*try)(void *), bool shared, void *site)
{
    int t = me();
    if (t < 0)
        return try(l);
    noise_point(&E.threads[t]);
    int rc = try(l);
    if (rc == 0) {
        rw_acquired(t, l, site, false, shared);
        noise_point(&E.threads[t]);
    }
    return rc;
}

/* A timed wait adds no edge and closes no cycle: it cannot wait forever. */
static int rw_timed(pthread_rwlock_t *l, const struct timespec *ts, bool shared, void *site)
{
    int (*fn)(pthread_rwlock_t *, const struct timespec *) =
        shared ? E.R.rwlock_timedrdlock : E.R.rwlock_timedwrlock;
    int t = me();
    if (t < 0)
        return fn(l, ts);
    eng_check_deadline(shared ? "pthread_rwlock_timedrdlock" : "pthread_rwlock_timedwrlock", ts,
                       CLOCK_REALTIME, site);
    noise_point(&E.threads[t]);
    eng_enter();
    eng_thread *th = &E.threads[t];
    th->wait = W_RWLOCK;
    th->wait_lock = lock_get(l);
    th->wait_site = site;
    th->wait_timed = true;
    eng_leave();
    int rc = fn(l, ts);
    if (rc == 0) {
        rw_acquired(t, l, site, false, shared);
        noise_point(&E.threads[t]);
    } else {
        not_waiting(t);
    }
    return rc;
}

/* Before the real unlock: t lets go of one hold of l. */
static void rw_released(const void *l, void *site)
{
    int t = me();
    if (t < 0)
        return;
    eng_enter();
    int li = lock_find(l);
    if (li >= 0) {
        if (E.locks[li].owner == t)
            E.locks[li].owner = -1;
        drop_held(t, li);
        TIMELINE(t, TL_UNLOCK, li + 1, 0, site);
    }
    eng_leave();
}

static void lock_forget_at(const void *l)
{
    if (!E.ready)
        return;
    eng_enter();
    int li = lock_find(l);
    if (li >= 0)
        lock_forget(li);
    eng_leave();
}

int eng_rwlock_rdlock(pthread_rwlock_t *l, void *site)
{
    int rc = lock_blocking(l, rd_try, rd_block, W_RWLOCK, true, site);
    call_failed(me(), "pthread_rwlock_rdlock", rc, site);
    return rc;
}

int eng_rwlock_wrlock(pthread_rwlock_t *l, void *site)
{
    int rc = lock_blocking(l, wr_try, wr_block, W_RWLOCK, false, site);
    call_failed(me(), "pthread_rwlock_wrlock", rc, site);
    return rc;
}

int eng_rwlock_tryrdlock(pthread_rwlock_t *l, void *site) { return lock_try(l, rd_try, true, site); }
int eng_rwlock_trywrlock(pthread_rwlock_t *l, void *site) { return lock_try(l, wr_try, false, site); }

int eng_rwlock_timedrdlock(pthread_rwlock_t *l, const struct timespec *ts, void *site)
{
    return rw_timed(l, ts, true, site);
}

int eng_rwlock_timedwrlock(pthread_rwlock_t *l, const struct timespec *ts, void *site)
{
    return rw_timed(l, ts, false, site);
}

int eng_rwlock_unlock(pthread_rwlock_t *l, void *site)
{
    rw_released(l, site);
    int rc = E.R.rwlock_unlock(l);
    int t = me();
    if (t >= 0)
        noise_after_unlock(&E.threads[t]);
    call_failed(t, "pthread_rwlock_unlock", rc, site);
    return rc;
}

int eng_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *a)
{
    lock_forget_at(l); /* a new lock where an old one was */
    return E.R.rwlock_init(l, a);
}

int eng_rwlock_destroy(pthread_rwlock_t *l)
{
    lock_forget_at(l);
    return E.R.rwlock_destroy(l);
}

int eng_spin_lock(pthread_spinlock_t *l, void *site)
{
    return lock_blocking((void *)l, spin_try, spin_block, W_SPIN, false, site);
}

int eng_spin_trylock(pthread_spinlock_t *l, void *site)
{
    return lock_try((void *)l, spin_try, false, site);
}

int eng_spin_unlock(pthread_spinlock_t *l, void *site)
{
    rw_released((const void *)l, site);
    int rc = E.R.spin_unlock(l);
    int t = me();
    if (t >= 0)
        noise_after_unlock(&E.threads[t]);
    call_failed(t, "pthread_spin_unlock", rc, site);
    return rc;
}

int eng_barrier_wait(pthread_barrier_t *b, void *site)
{
    int t = me();
    if (t < 0)
        return E.R.barrier_wait(b);
    noise_point(&E.threads[t]);
    eng_enter();
    eng_thread *th = &E.threads[t];
    th->wait = W_BARRIER;
    th->wait_cond = cond_id(b);
    th->wait_site = site;
    th->wait_timed = false;
    eng_leave();
    int rc = E.R.barrier_wait(b);
    not_waiting(t);
    progress();
    return rc;
}

static void sleeping(int t, void *site, bool on)
{
    eng_enter();
    E.threads[t].wait = on ? W_SLEEP : W_NONE;
    E.threads[t].wait_site = site;
    if (on)
        TIMELINE(t, TL_SLEEP, 0, 0, site);
    eng_leave();
}

int eng_sched_yield(void *site)
{
    (void)site;
    return E.R.sched_yield();
}

int eng_nanosleep(const struct timespec *req, struct timespec *rem, void *site)
{
    int t = me();
    if (t >= 0)
        sleeping(t, site, true);
    int rc = E.R.nanosleep(req, rem);
    if (t >= 0)
        sleeping(t, site, false);
    return rc;
}

int eng_usleep(unsigned us, void *site)
{
    int t = me();
    if (t >= 0)
        sleeping(t, site, true);
    int rc = E.R.usleep(us);
    if (t >= 0)
        sleeping(t, site, false);
    return rc;
}

/* ---- the timeline (timeline.c) ---------------------------------------------- */

void eng_timeline_create(void *site)
{
    int t = E.ready ? me() : -1;
    if (t >= 0)
        TIMELINE(t, TL_CREATE, 0, 0, site);
}

void eng_timeline_start(void *fn)
{
    int t = E.ready ? me() : -1;
    /* A site is a return address, shown one byte back: one past the entry. */
    if (t >= 0)
        TIMELINE(t, TL_START, 0, 0, (char *)fn + 1);
}

void engine_report_timeline(void)
{
    if (!E.ready)
        return;
    static char buf[TIMELINE_EMIT * 48];
    static atomic_flag busy = ATOMIC_FLAG_INIT; /* a deadlock and a hang report at once */
    eng_hide_begin();
    bool mine = !atomic_flag_test_and_set(&busy);
    size_t n = mine ? timeline_format(buf, sizeof buf, TIMELINE_EMIT, E.exe_base, E.exe_lo,
                                      E.exe_hi)
                    : 0;
    eng_hide_end();
    if (n)
        E.report("timeline", buf);
    if (mine) {
        eng_hide_begin();
        atomic_flag_clear(&busy);
        eng_hide_end();
    }
}

/* ---- start ------------------------------------------------------------------ */

static int find_exe(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        uintptr_t a = info->dlpi_addr + ph->p_vaddr;
        if (a < lo)
            lo = a;
        if (a + ph->p_memsz > hi)
            hi = a + ph->p_memsz;
    }
    E.exe_base = info->dlpi_addr;
    E.exe_lo = lo;
    E.exe_hi = hi;
    return 1; /* the first object is the main program */
}

bool engine_ready(void) { return E.ready; }

/* A fork while another thread holds E.mu would leave it held forever in
 * the child (only the forking thread goes on there): the forking thread
 * takes it across the fork, so both sides start with it free. */
static void fork_prepare(void) { eng_enter(); }
static void fork_done(void) { eng_leave(); }

void engine_init(const engine_real *real, const engine_config *cfg, engine_report_fn report)
{
    if (E.ready)
        return;
    E.R = *real;
    E.cfg = *cfg;
    E.report = report;
    dl_iterate_phdr(find_exe, NULL);
    pthread_key_create(&exit_key, on_thread_exit);
    pthread_atfork(fork_prepare, fork_done, fork_done);
    lockorder_reset();
    misuse_reset();
    pshared_init();
    E.ready = true;
    if (!cfg->caller_runs_no_code)
        me(); /* the caller, usually the main thread, is thread 1 */
    if (cfg->stall_ms)
        watchdog_start();
}
