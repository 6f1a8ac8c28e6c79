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

#include <errno.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#if defined(__SANITIZE_THREAD__)
#define ENG_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ENG_TSAN 1
#endif
#endif

#ifdef ENG_TSAN
void AnnotateIgnoreSyncBegin(const char *f, int l);
void AnnotateIgnoreSyncEnd(const char *f, int l);
void AnnotateIgnoreReadsBegin(const char *f, int l);
void AnnotateIgnoreReadsEnd(const char *f, int l);
void AnnotateIgnoreWritesBegin(const char *f, int l);
void AnnotateIgnoreWritesEnd(const char *f, int l);
#endif

engine_state E = { .mu = PTHREAD_MUTEX_INITIALIZER };

static _Thread_local int my_index = -1;
static pthread_key_t exit_key;
static int next_thread_id = 1;
static int nlive_locks;

void eng_hide_begin(void)
{
#ifdef ENG_TSAN
    AnnotateIgnoreSyncBegin(__FILE__, __LINE__);
    AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
    AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
#endif
}

void eng_hide_end(void)
{
#ifdef ENG_TSAN
    AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
    AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
    AnnotateIgnoreSyncEnd(__FILE__, __LINE__);
#endif
}

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

static void on_thread_exit(void *p)
{
    int t = (int)(intptr_t)p - 1;
    eng_enter();
    E.threads[t].alive = false;
    E.threads[t].wait = W_NONE;
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

void eng_idle(bool on)
{
    if (!E.ready || my_index < 0)
        return;
    eng_enter();
    E.threads[my_index].wait = on ? W_IDLE : W_NONE;
    E.threads[my_index].wait_site = NULL;
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

void eng_forget_range(const void *p, size_t n)
{
    if (!E.ready || !p)
        return;
    eng_enter();
    for (int i = 0; nlive_locks > 0 && i < E.nlocks; i++) {
        const char *a = E.locks[i].addr;
        if (E.locks[i].live && a >= (const char *)p && a < (const char *)p + n)
            lock_forget(i);
    }
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
    if (!atomic_exchange_explicit(&E.deadlock_reported, true, memory_order_relaxed))
        E.report("deadlock", text);
    if (E.cfg.exit_on_deadlock)
        _exit(ENGINE_DEADLOCK_EXIT);
}

/* Under E.mu: thread t, about to lock `lock` at `site`, already holds it. */
static void report_relock(int t, int lock, void *site)
{
    char buf[1024];
    size_t len = 0;
    const eng_thread *th = &E.threads[t];
    void *first = NULL;
    for (int i = 0; i < th->nheld; i++)
        if (th->held[i].lock == lock)
            first = th->held[i].site;
    eng_appendf(buf, sizeof buf, &len, "thread %d locks lock %d at ", th->id, lock + 1);
    eng_site(buf, sizeof buf, &len, site);
    eng_appendf(buf, sizeof buf, &len, " while it already holds it (locked at ");
    eng_site(buf, sizeof buf, &len, first);
    eng_appendf(buf, sizeof buf, &len, "): a mutex cannot be locked twice by one thread, "
                                       "it waits for itself forever");
    eng_report_deadlock(buf);
}

/* ---- the wrapped calls ------------------------------------------------------ */

/* Thread t now has mutex m. `order`: a blocking acquisition, which counts in
 * the lock-order graph. */
static void acquired(int t, const void *m, void *site, bool order)
{
    eng_enter();
    eng_thread *th = &E.threads[t];
    th->wait = W_NONE;
    int li = lock_get(m);
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
    char buf[2048];
    if (li >= 0 && !timed && eng_find_wait_cycle(t, buf, sizeof buf))
        eng_report_deadlock(buf);
}

int eng_mutex_lock(pthread_mutex_t *m, void *site)
{
    int t = me();
    if (t < 0)
        return E.R.mutex_lock(m);
    noise_point(&E.threads[t]);
    eng_enter();
    int li = lock_get(m);
    if (li >= 0 && E.locks[li].owner == t) {
        int kind = mutex_kind(m);
        if (kind == KIND_ERRORCHECK) {
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
    }
    return rc;
}

int eng_mutex_trylock(pthread_mutex_t *m, void *site)
{
    int t = me();
    if (t < 0)
        return E.R.mutex_trylock(m);
    noise_point(&E.threads[t]);
    int rc = E.R.mutex_trylock(m);
    if (rc == 0) {
        acquired(t, m, site, false);
        noise_point(&E.threads[t]);
    }
    return rc;
}

int eng_mutex_timedlock(pthread_mutex_t *m, const struct timespec *ts, void *site)
{
    int t = me();
    if (t < 0)
        return E.R.mutex_timedlock(m, ts);
    noise_point(&E.threads[t]);
    eng_enter();
    will_wait_mutex(t, lock_get(m), site, true);
    eng_leave();
    int rc = E.R.mutex_timedlock(m, ts);
    if (rc == 0) {
        acquired(t, m, site, false);
        noise_point(&E.threads[t]);
    } else
        not_waiting(t);
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
    (void)site;
    int t = me();
    if (t < 0)
        return E.R.mutex_unlock(m);
    eng_enter();
    int li = lock_find(m);
    if (li >= 0)
        released(t, li, m);
    eng_leave();
    int rc = E.R.mutex_unlock(m);
    noise_after_unlock(&E.threads[t]);
    return rc;
}

int eng_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a)
{
    if (E.ready) {
        eng_enter();
        int li = lock_find(m);
        if (li >= 0)
            lock_forget(li); /* a new mutex where an old one was */
        eng_leave();
    }
    return E.R.mutex_init(m, a);
}

int eng_mutex_destroy(pthread_mutex_t *m)
{
    if (E.ready) {
        eng_enter();
        int li = lock_find(m);
        if (li >= 0)
            lock_forget(li);
        eng_leave();
    }
    return E.R.mutex_destroy(m);
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
    if (noise_spurious(th)) {
        /* A spurious wake-up: the mutex is released and taken again, and the
         * wait returns 0 although nobody signalled. */
        eng_mutex_unlock(m, site);
        return eng_mutex_lock(m, site);
    }
    eng_enter();
    int li = lock_find(m);
    if (li >= 0)
        released(t, li, m);
    th->wait = W_COND;
    th->wait_cond = cond_id(c);
    th->wait_lock = li;
    th->wait_site = site;
    th->wait_timed = ts != NULL;
    eng_leave();
    int rc = ts ? E.R.cond_timedwait(c, m, ts) : E.R.cond_wait(c, m);
    acquired(t, m, site, true);
    return rc;
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

int eng_cond_signal(pthread_cond_t *c, void *site)
{
    (void)site;
    int t = me();
    if (t >= 0)
        noise_point(&E.threads[t]);
    return E.R.cond_signal(c);
}

int eng_cond_broadcast(pthread_cond_t *c, void *site)
{
    (void)site;
    int t = me();
    if (t >= 0)
        noise_point(&E.threads[t]);
    return E.R.cond_broadcast(c);
}

int eng_join_target(int t)
{
    eng_thread *th = &E.threads[t];
    if (th->wait != W_JOIN)
        return -1;
    if (th->wait_thread < 0)
        for (int i = 0; i < E.nthreads; i++)
            if (i != t && E.threads[i].alive && pthread_equal(E.threads[i].self, th->wait_target))
                th->wait_thread = i;
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
    th->wait_site = site;
    th->wait_timed = false;
    char buf[2048];
    if (found >= 0 && eng_find_wait_cycle(t, buf, sizeof buf))
        eng_report_deadlock(buf);
    eng_leave();
    int rc = E.R.join(target, ret);
    not_waiting(t);
    progress();
    return rc;
}

/* Read-write locks: sync points and waits for the report, not in the graphs. */
static int rwlock_common(pthread_rwlock_t *l, int (*fn)(pthread_rwlock_t *), void *site)
{
    int t = me();
    if (t < 0)
        return fn(l);
    noise_point(&E.threads[t]);
    eng_enter();
    E.threads[t].wait = W_RWLOCK;
    E.threads[t].wait_site = site;
    eng_leave();
    int rc = fn(l);
    not_waiting(t);
    progress();
    return rc;
}

int eng_rwlock_rdlock(pthread_rwlock_t *l, void *site) { return rwlock_common(l, E.R.rwlock_rdlock, site); }
int eng_rwlock_wrlock(pthread_rwlock_t *l, void *site) { return rwlock_common(l, E.R.rwlock_wrlock, site); }

int eng_rwlock_unlock(pthread_rwlock_t *l, void *site)
{
    (void)site;
    int rc = E.R.rwlock_unlock(l);
    int t = me();
    if (t >= 0)
        noise_point(&E.threads[t]);
    return rc;
}

static void sleeping(int t, void *site, bool on)
{
    eng_enter();
    E.threads[t].wait = on ? W_SLEEP : W_NONE;
    E.threads[t].wait_site = site;
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

void engine_init(const engine_real *real, const engine_config *cfg, engine_report_fn report)
{
    if (E.ready)
        return;
    E.R = *real;
    E.cfg = *cfg;
    E.report = report;
    dl_iterate_phdr(find_exe, NULL);
    pthread_key_create(&exit_key, on_thread_exit);
    lockorder_reset();
    E.ready = true;
    if (!cfg->caller_runs_no_code)
        me(); /* the caller, usually the main thread, is thread 1 */
    if (cfg->stall_ms)
        watchdog_start();
}
