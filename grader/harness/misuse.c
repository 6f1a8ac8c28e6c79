/* misuse.c - the pthread API misuse rules (Helgrind's list and a few more).
 *
 * engine.c's wrappers call these with what they know (which thread holds
 * which mutex, who waits on which condition variable); each rule that sees
 * a misuse writes one "misuse TEXT" record, at most once per rule and call
 * site, naming the student's line ("@HEX", symbolised by the grader). Only
 * the calls of the code under test reach the wrappers, so the grader's own
 * synchronisation never trips a rule.
 *
 * The rules: unlocking a mutex not held (or held by another thread);
 * relocking a non-recursive mutex; destroying a locked mutex or a condition
 * variable with waiters; freeing memory that holds a locked mutex; a thread
 * exiting with a mutex held; a condition wait without the mutex; waits on
 * one condition variable with two mutexes (at the same time or not: over
 * the variable's life, as Helgrind does; its destruction or the free of its
 * memory ends that life, and so does the end of the first mutex's: a mutex
 * destroyed and made again may pair anew); a timed wait whose
 * deadline is invalid or on the wrong clock; a call that returned EINVAL,
 * EPERM, EDEADLK or ESRCH (errors correct code never causes); and, where
 * the configuration says so, any lock of a recursive mutex.
 *
 * Everything here runs under E.mu.
 */
#include "engine_int.h"
#include "vclock.h"

#include <errno.h>
#include <string.h>

#define MAX_SEEN 256       /* (rule, site) pairs already reported */
#define MAX_RECORDS 32     /* misuse records per process, at most */
#define DAY_SECONDS 86400L

typedef struct seen_site {
    const char *rule;
    const void *site;
} seen_site;

/* Per condition variable (index: its number - 1): who waits on it now, and
 * the mutex it is paired with since its first wait. */
typedef struct cond_state {
    int waiters;   /* threads inside a real wait */
    int lock;      /* the mutex of its first wait (index), -1: none yet */
    lock_key key;  /* that mutex's key: when no longer live, the pairing ends */
    int first_id;  /* the thread (its id) of that first wait, */
    void *first_site; /* and its site */
    int thread;    /* one of the waiting threads, for the message */
    int wait_lock; /* its mutex */
    void *site;    /* its wait's site */
} cond_state;

static seen_site seen[MAX_SEEN];
static int nseen, nrecords;
static cond_state conds[ENG_MAX_CONDS];

/* True the first time (rule, site) is seen: the caller reports then. */
static bool first_time(const char *rule, const void *site)
{
    for (int i = 0; i < nseen; i++)
        if (seen[i].rule == rule && seen[i].site == site)
            return false;
    if (nrecords >= MAX_RECORDS)
        return false;
    if (nseen < MAX_SEEN)
        seen[nseen++] = (seen_site){ rule, site };
    nrecords++;
    return true;
}

static void emit(const char *text)
{
    E.report("misuse", text);
    atomic_store_explicit(&E.misuse_reported, true, memory_order_relaxed);
    pshared_note_misuse();
}

static int thread_id(int t) { return E.threads[t].id; }

/* Where thread `owner` locked mutex li, or NULL. */
static void *locked_at(int owner, int li)
{
    const eng_thread *o = &E.threads[owner];
    for (int i = 0; i < o->nheld; i++)
        if (o->held[i].lock == li)
            return o->held[i].site;
    return NULL;
}

/* ", but thread 3 holds it (locked at @12)" or ", but no thread holds it" */
static void append_holder(char *buf, size_t cap, size_t *len, int li)
{
    int owner = li >= 0 ? E.locks[li].owner : -1;
    if (owner < 0) {
        eng_appendf(buf, cap, len, "no thread holds it");
        return;
    }
    eng_appendf(buf, cap, len, "thread %d holds it (locked at ", thread_id(owner));
    eng_site(buf, cap, len, locked_at(owner, li));
    eng_appendf(buf, cap, len, ")");
}

/* "still locked by thread 3 (at @12)" */
static void append_locked(char *buf, size_t cap, size_t *len, int li)
{
    int owner = E.locks[li].owner;
    eng_appendf(buf, cap, len, "still locked by thread %d (at ", thread_id(owner));
    eng_site(buf, cap, len, locked_at(owner, li));
    eng_appendf(buf, cap, len, ")");
}

/* A mutex the engine never saw locked: unknown when the lock table is full
 * (then nothing can be said about it). */
static bool knowable(int li) { return li >= 0 || E.nlocks < ENG_MAX_LOCKS; }

static int mutex_number(int li) { return li + 1; }

bool misuse_unlock(int t, int li, void *site)
{
    if (li >= 0 && E.locks[li].owner == t)
        return false;
    if (!knowable(li) || !first_time("unlock", site))
        return li < 0 || E.locks[li].owner != t;
    char buf[512];
    size_t len = 0;
    eng_appendf(buf, sizeof buf, &len, "thread %d unlocked ", thread_id(t));
    if (li >= 0)
        eng_appendf(buf, sizeof buf, &len, "mutex %d", mutex_number(li));
    else
        eng_appendf(buf, sizeof buf, &len, "a mutex");
    eng_appendf(buf, sizeof buf, &len, " at ");
    eng_site(buf, sizeof buf, &len, site);
    eng_appendf(buf, sizeof buf, &len, ", but ");
    append_holder(buf, sizeof buf, &len, li);
    eng_appendf(buf, sizeof buf, &len, ": only the thread that locked a mutex may unlock it, once");
    emit(buf);
    return true;
}

void misuse_relock(int t, int li, void *site, bool blocks)
{
    if (!first_time("relock", site))
        return;
    char buf[512];
    size_t len = 0;
    eng_appendf(buf, sizeof buf, &len, "thread %d locked mutex %d at ", thread_id(t),
                mutex_number(li));
    eng_site(buf, sizeof buf, &len, site);
    eng_appendf(buf, sizeof buf, &len, ", which it already holds (locked at ");
    eng_site(buf, sizeof buf, &len, locked_at(t, li));
    eng_appendf(buf, sizeof buf, &len, "): %s",
                blocks ? "a mutex that is not recursive, locked twice by one thread, waits "
                         "for itself forever"
                       : "pthread_mutex_lock returned EDEADLK and the thread does not hold it twice");
    emit(buf);
}

/* For a lesson that builds a re-entrant lock itself: a recursive mutex,
 * however it was made (a mutexattr, C11's mtx_recursive, the static
 * PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP: the engine reads the kind from
 * the mutex), does the work the lesson asks for. */
void misuse_recursive(int t, int li, void *site)
{
    if (!first_time("recursive", site))
        return;
    char buf[512];
    size_t len = 0;
    eng_appendf(buf, sizeof buf, &len, "thread %d locked mutex %d at ", thread_id(t),
                mutex_number(li));
    eng_site(buf, sizeof buf, &len, site);
    eng_appendf(buf, sizeof buf, &len,
                ", a recursive mutex (PTHREAD_MUTEX_RECURSIVE, mtx_recursive or "
                "PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP): this exercise forbids recursive "
                "mutexes; keep the owner and the count yourself, with a plain mutex");
    emit(buf);
}

bool misuse_destroy_mutex(int t, int li, void *site)
{
    if (li < 0 || E.locks[li].owner < 0 || !first_time("destroy", site))
        return li >= 0 && E.locks[li].owner >= 0;
    char buf[512];
    size_t len = 0;
    eng_appendf(buf, sizeof buf, &len, "thread %d destroyed mutex %d at ", thread_id(t),
                mutex_number(li));
    eng_site(buf, sizeof buf, &len, site);
    eng_appendf(buf, sizeof buf, &len, ", ");
    append_locked(buf, sizeof buf, &len, li);
    eng_appendf(buf, sizeof buf, &len, ": unlock a mutex before destroying it");
    emit(buf);
    return true;
}

void misuse_freed(int t, int li, void *site)
{
    if (E.locks[li].owner < 0 || !first_time("free", site))
        return;
    char buf[512];
    size_t len = 0;
    eng_appendf(buf, sizeof buf, &len, "thread %d freed memory at ", t >= 0 ? thread_id(t) : 0);
    eng_site(buf, sizeof buf, &len, site);
    eng_appendf(buf, sizeof buf, &len, " holding mutex %d, ", mutex_number(li));
    append_locked(buf, sizeof buf, &len, li);
    eng_appendf(buf, sizeof buf, &len, ": unlock (and destroy) a mutex before freeing it");
    emit(buf);
}

/* pshared.c found object `number` of kind k, made for one process, used at
 * `site` by a second process: it lies in memory the student's mmap at
 * map_site shares between them. */
void misuse_process_private(int t, enum pshared_kind k, int number, void *site, void *map_site)
{
    static const char *const what[] = { "mutex", "condition variable", "read-write lock",
                                        "semaphore" };
    static const char *const fix[] = {
        "make it with a pthread_mutexattr_t set by pthread_mutexattr_setpshared(&a, "
        "PTHREAD_PROCESS_SHARED)",
        "make it with a pthread_condattr_t set by pthread_condattr_setpshared(&a, "
        "PTHREAD_PROCESS_SHARED)",
        "make it with a pthread_rwlockattr_t set by pthread_rwlockattr_setpshared(&a, "
        "PTHREAD_PROCESS_SHARED)",
        "make it with sem_init(s, 1, value): a nonzero pshared",
    };
    if (!first_time("pshared", site))
        return;
    char buf[768];
    size_t len = 0;
    eng_appendf(buf, sizeof buf, &len, "%s %d, used at ", what[k], number);
    eng_site(buf, sizeof buf, &len, site);
    eng_appendf(buf, sizeof buf, &len,
                " by thread %d of a second process, was made for one process only, yet it lies "
                "in memory shared between processes (the mmap at ",
                thread_id(t));
    eng_site(buf, sizeof buf, &len, map_site);
    eng_appendf(buf, sizeof buf, &len,
                "): its waits and wake-ups stay inside each process (lost wake-ups, no mutual "
                "exclusion across processes); %s",
                fix[k]);
    emit(buf);
}

void misuse_exit_holding(int t)
{
    const eng_thread *th = &E.threads[t];
    if (th->nheld == 0 || !first_time("exit", th->held[0].site))
        return;
    char buf[512];
    size_t len = 0;
    eng_appendf(buf, sizeof buf, &len, "thread %d exited while holding mutex %d (locked at ",
                th->id, mutex_number(th->held[0].lock));
    eng_site(buf, sizeof buf, &len, th->held[0].site);
    eng_appendf(buf, sizeof buf, &len, ")");
    if (th->nheld > 1)
        eng_appendf(buf, sizeof buf, &len, " and %d more", th->nheld - 1);
    eng_appendf(buf, sizeof buf, &len, ": no other thread can ever lock it; unlock on every "
                                       "path before the thread returns");
    emit(buf);
}

bool misuse_wait_without_lock(int t, int cond, int li, void *site)
{
    if (li >= 0 && E.locks[li].owner == t)
        return false;
    if (!knowable(li) || !first_time("waitlock", site))
        return li < 0 || E.locks[li].owner != t;
    char buf[512];
    size_t len = 0;
    eng_appendf(buf, sizeof buf, &len, "thread %d waits on condition variable %d at ",
                thread_id(t), cond);
    eng_site(buf, sizeof buf, &len, site);
    eng_appendf(buf, sizeof buf, &len, " with a mutex it does not hold: ");
    append_holder(buf, sizeof buf, &len, li);
    eng_appendf(buf, sizeof buf, &len, ". Lock the mutex, check the condition, then wait");
    emit(buf);
    return true;
}

void misuse_wait_pairing(int t, int cond, int li, void *site)
{
    if (cond <= 0 || li < 0)
        return;
    cond_state *c = &conds[cond - 1];
    if (c->lock < 0 || !eng_key_live(c->key)) {
        c->lock = li;
        c->key = eng_key(li);
        c->first_id = thread_id(t);
        c->first_site = site;
        return;
    }
    if (eng_key(li) == c->key || !first_time("twomutex", site))
        return;
    /* A thread waiting with the first mutex now, or that first wait. */
    bool now = c->waiters > 0 && c->wait_lock == c->lock;
    char buf[512];
    size_t len = 0;
    eng_appendf(buf, sizeof buf, &len, "thread %d waits on condition variable %d with mutex %d at ",
                thread_id(t), cond, mutex_number(li));
    eng_site(buf, sizeof buf, &len, site);
    eng_appendf(buf, sizeof buf, &len,
                now ? " while thread %d waits on it with mutex %d (at "
                    : " while thread %d waited on it before with mutex %d (at ",
                now ? thread_id(c->thread) : c->first_id, mutex_number(c->lock));
    eng_site(buf, sizeof buf, &len, now ? c->site : c->first_site);
    eng_appendf(buf, sizeof buf, &len, "): every wait on one condition variable must use "
                                       "the same mutex");
    emit(buf);
}

void misuse_wait_begin(int t, int cond, int li, void *site)
{
    if (cond <= 0)
        return;
    cond_state *c = &conds[cond - 1];
    if (c->waiters == 0) {
        c->thread = t;
        c->wait_lock = li;
        c->site = site;
    }
    c->waiters++;
}

void misuse_wait_end(int cond)
{
    if (cond > 0 && conds[cond - 1].waiters > 0)
        conds[cond - 1].waiters--;
}

void misuse_cond_reset(int cond)
{
    if (cond > 0)
        conds[cond - 1] = (cond_state){ .lock = -1 };
}

bool misuse_destroy_cond(int t, int cond, void *site)
{
    if (cond <= 0 || conds[cond - 1].waiters == 0)
        return false;
    const cond_state *c = &conds[cond - 1];
    if (!first_time("destroycond", site))
        return true;
    char buf[512];
    size_t len = 0;
    eng_appendf(buf, sizeof buf, &len, "thread %d destroyed condition variable %d at ",
                thread_id(t), cond);
    eng_site(buf, sizeof buf, &len, site);
    eng_appendf(buf, sizeof buf, &len, " while %d thread%s wait%s on it (thread %d, at ",
                c->waiters, c->waiters == 1 ? "" : "s", c->waiters == 1 ? "s" : "",
                thread_id(c->thread));
    eng_site(buf, sizeof buf, &len, c->site);
    eng_appendf(buf, sizeof buf, &len, "): wake and join the waiters first");
    emit(buf);
    return true;
}

/* "3 days" or "56 years" */
static void append_span(char *buf, size_t cap, size_t *len, long long seconds)
{
    long long days = seconds / DAY_SECONDS;
    if (days >= 730)
        eng_appendf(buf, cap, len, "%lld years", days / 365);
    else
        eng_appendf(buf, cap, len, "%lld days", days);
}

bool misuse_deadline(int t, const char *call, const struct timespec *ts, clockid_t clock,
                     void *site)
{
    if (!ts)
        return false;
    char buf[640];
    size_t len = 0;
    if (ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L) {
        if (!first_time("nsec", site))
            return true;
        eng_appendf(buf, sizeof buf, &len, "thread %d called %s at ", thread_id(t), call);
        eng_site(buf, sizeof buf, &len, site);
        eng_appendf(buf, sizeof buf, &len, " with tv_nsec = %ld, outside [0, 999999999]: the "
                                           "call fails with EINVAL (carry whole seconds into "
                                           "tv_sec)",
                    (long)ts->tv_nsec);
        emit(buf);
        return true;
    }
    struct timespec now;
    if (vclock_gettime(clock, &now) != 0) /* the code's own clock: virtual when on */
        return false;
    long long ahead = (long long)ts->tv_sec - (long long)now.tv_sec;
    if (ahead <= DAY_SECONDS && ahead >= -DAY_SECONDS)
        return false;
    if (!first_time("clock", site))
        return false;
    const char *name = clock == CLOCK_MONOTONIC ? "CLOCK_MONOTONIC" : "CLOCK_REALTIME";
    eng_appendf(buf, sizeof buf, &len, "thread %d called %s at ", thread_id(t), call);
    eng_site(buf, sizeof buf, &len, site);
    eng_appendf(buf, sizeof buf, &len, " with a deadline ");
    append_span(buf, sizeof buf, &len, ahead < 0 ? -ahead : ahead);
    eng_appendf(buf, sizeof buf, &len, " in the %s on the wait's clock (%s): wrong clock? ",
                ahead < 0 ? "past" : "future", name);
    if (ahead < 0)
        eng_appendf(buf, sizeof buf, &len, "the wait gives up at once. ");
    else
        eng_appendf(buf, sizeof buf, &len, "the wait never times out. ");
    eng_appendf(buf, sizeof buf, &len, "The deadline must be an absolute time read from %s%s",
                name,
                clock == CLOCK_MONOTONIC ? ""
                                         : " (or set the condition's clock with "
                                           "pthread_condattr_setclock)");
    emit(buf);
    return false; /* the call itself is valid: its result still counts */
}

static const char *errno_name(int rc)
{
    switch (rc) {
    case EINVAL: return "EINVAL (an invalid argument or object)";
    case EPERM: return "EPERM (the calling thread does not own it)";
    case EDEADLK: return "EDEADLK (the call would deadlock)";
    case ESRCH: return "ESRCH (no such thread)";
    default: return NULL;
    }
}

void misuse_error(int t, const char *call, int rc, void *site)
{
    const char *what = errno_name(rc);
    if (!what || !first_time("error", site))
        return;
    char buf[512];
    size_t len = 0;
    eng_appendf(buf, sizeof buf, &len, "thread %d: %s at ", thread_id(t), call);
    eng_site(buf, sizeof buf, &len, site);
    eng_appendf(buf, sizeof buf, &len, " returned %s: correct code never gets this error", what);
    emit(buf);
}

void misuse_reset(void)
{
    nseen = nrecords = 0;
    for (int i = 0; i < ENG_MAX_CONDS; i++)
        conds[i] = (cond_state){ .lock = -1 };
}
