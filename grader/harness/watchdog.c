/* watchdog.c - what every thread waits for: wait cycles and hang reports.
 *
 * eng_find_wait_cycle follows "waits for" from one thread, depth first: a
 * mutex or spin lock leads to its owner, a read-write lock to its writer or
 * to each of its readers (the waiter needs them all to let go, so a cycle
 * through any one is a deadlock), a join to the joined thread. Coming back
 * to the start is a deadlock; reaching a lock held by a thread that has
 * exited is one too (nobody can ever unlock it). The watchdog thread wakes every 50 ms; when nothing has
 * progressed for cfg.stall_ms it looks for cycles the lock-time check could
 * not see and writes a "hang" record describing every thread, which the
 * grader shows if the test then runs out of time. After a misuse record it
 * ends the run (exit_on_deadlock): the test has failed whatever follows.
 */
#include "engine_int.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_DESCRIBED 12

static bool holds_lock(int t, int lock)
{
    const eng_thread *th = &E.threads[t];
    for (int i = 0; i < th->nheld; i++)
        if (th->held[i].lock == lock)
            return true;
    return false;
}

/* Where thread t locked `lock` (NULL if it does not hold it). */
static void *held_site(int t, int lock)
{
    const eng_thread *th = &E.threads[t];
    void *site = NULL;
    for (int i = 0; i < th->nheld; i++)
        if (th->held[i].lock == lock)
            site = th->held[i].site;
    return site;
}

static bool waits_for_lock(enum wait_kind w)
{
    return w == W_MUTEX || w == W_RWLOCK || w == W_SPIN;
}

/* "holds lock 3 (locked at @12ab) and waits for lock 4 (at @12cd)" */
static void describe_step(char *buf, size_t cap, size_t *len, int t, int held_lock)
{
    const eng_thread *th = &E.threads[t];
    eng_appendf(buf, cap, len, "thread %d", th->id);
    if (held_lock >= 0) {
        eng_appendf(buf, cap, len, " holds lock %d (locked at ", held_lock + 1);
        eng_site(buf, cap, len, held_site(t, held_lock));
        eng_appendf(buf, cap, len, ") and");
    }
    if (waits_for_lock(th->wait)) {
        eng_appendf(buf, cap, len, " waits for lock %d (at ", th->wait_lock + 1);
        eng_site(buf, cap, len, th->wait_site);
        eng_appendf(buf, cap, len, ")");
    } else if (th->wait == W_JOIN && th->wait_thread >= 0) {
        eng_appendf(buf, cap, len, " waits in pthread_join (at ");
        eng_site(buf, cap, len, th->wait_site);
        eng_appendf(buf, cap, len, ") for thread %d to finish", E.threads[th->wait_thread].id);
    }
}

#define MAX_HOLDERS 16

/* The threads t waits for (at most MAX_HOLDERS, never t): a lock's owner
 * or, for a read-write lock held for reading, its readers; a joined thread.
 * *lock is the lock waited for, -1 for a join. */
static int waits_for(int t, int *lock, int *out)
{
    const eng_thread *th = &E.threads[t];
    *lock = -1;
    if (waits_for_lock(th->wait) && !th->wait_timed && th->wait_lock >= 0) {
        *lock = th->wait_lock;
        int owner = E.locks[th->wait_lock].owner;
        if (owner >= 0)
            return owner != t ? (out[0] = owner, 1) : 0;
        int n = 0;
        for (int i = 0; i < E.nthreads && n < MAX_HOLDERS; i++)
            if (i != t && E.threads[i].used && E.threads[i].nheld > 0 && holds_lock(i, *lock))
                out[n++] = i;
        return n;
    }
    if (th->wait == W_JOIN) {
        int j = eng_join_target(t);
        return j >= 0 ? (out[0] = j, 1) : 0;
    }
    return 0;
}

typedef struct cycle_search {
    int start;
    int path[ENG_MAX_THREADS], locks[ENG_MAX_THREADS]; /* locks[i]: what path[i] waits for */
    bool seen[ENG_MAX_THREADS];
    char *buf;
    size_t cap, len;
} cycle_search;

/* From thread cur (path[depth]): the length of a cycle back to the start,
 * -1 when a wait for an exited holder was written, 0 for neither. */
static int follow(cycle_search *cs, int cur, int depth)
{
    int lock, next[MAX_HOLDERS];
    int k = waits_for(cur, &lock, next);
    cs->path[depth] = cur;
    cs->locks[depth] = lock;
    for (int i = 0; i < k; i++) {
        int h = next[i];
        if (h == cs->start)
            return depth + 1;
        if (cs->seen[h])
            continue; /* on the path (a cycle without the start: reported by
                       * its own closer) or already searched */
        cs->seen[h] = true;
        if (!E.threads[h].alive) {
            if (lock < 0)
                continue; /* joining an exited thread returns at once */
            eng_appendf(cs->buf, cs->cap, &cs->len, "thread %d waits for lock %d (at ",
                        E.threads[cur].id, lock + 1);
            eng_site(cs->buf, cs->cap, &cs->len, E.threads[cur].wait_site);
            eng_appendf(cs->buf, cs->cap, &cs->len, "), which thread %d locked (at ",
                        E.threads[h].id);
            eng_site(cs->buf, cs->cap, &cs->len, held_site(h, lock));
            eng_appendf(cs->buf, cs->cap, &cs->len, ") and never unlocked before it exited");
            return -1;
        }
        if (depth + 1 < ENG_MAX_THREADS) {
            int n = follow(cs, h, depth + 1);
            if (n)
                return n;
        }
    }
    return 0;
}

bool eng_find_wait_cycle(int t, char *buf, size_t cap)
{
    static cycle_search cs; /* under E.mu: one search at a time */
    memset(&cs, 0, sizeof cs);
    cs.start = t;
    cs.buf = buf;
    cs.cap = cap;
    buf[0] = '\0';
    cs.seen[t] = true;
    int n = follow(&cs, t, 0);
    if (n < 0)
        return true;
    if (n == 0)
        return false;
    /* path[i] holds what path[i-1] waits for (path[0]: what the last waits for). */
    size_t len = 0;
    bool join = false;
    for (int i = 0; i < n; i++) {
        int prev = i == 0 ? n - 1 : i - 1;
        if (i)
            eng_appendf(buf, cap, &len, "; ");
        describe_step(buf, cap, &len, cs.path[i], cs.locks[prev]);
        join |= cs.locks[i] < 0;
    }
    eng_appendf(buf, cap, &len, "%s",
                join ? ". Each waits for the next forever: never join a thread while holding "
                       "a lock it needs"
                     : ". Each waits for the next forever: take locks in one global order");
    return true;
}

void eng_describe_thread(char *buf, size_t cap, size_t *len, int t)
{
    const eng_thread *th = &E.threads[t];
    eng_appendf(buf, cap, len, "thread %d", th->id);
    for (int i = 0; i < th->nheld; i++) {
        eng_appendf(buf, cap, len, "%s lock %d (locked at ", i ? "," : " holds",
                    th->held[i].lock + 1);
        eng_site(buf, cap, len, th->held[i].site);
        eng_appendf(buf, cap, len, ")");
    }
    const char *and = th->nheld ? " and" : "";
    if (!th->alive) {
        eng_appendf(buf, cap, len, "%s has exited", and);
        return;
    }
    switch (th->wait) {
    case W_MUTEX: {
        const eng_lock *L = &E.locks[th->wait_lock];
        eng_appendf(buf, cap, len, "%s waits for lock %d (at ", and, th->wait_lock + 1);
        eng_site(buf, cap, len, th->wait_site);
        if (L->owner >= 0)
            eng_appendf(buf, cap, len, "), held by thread %d", E.threads[L->owner].id);
        else
            eng_appendf(buf, cap, len, ")");
        break;
    }
    case W_COND:
        eng_appendf(buf, cap, len, "%s waits on condition variable %d (at ", and, th->wait_cond);
        eng_site(buf, cap, len, th->wait_site);
        if (th->wait_missed)
            eng_appendf(buf, cap, len, ") for a signal it missed: one came between its check "
                        "and its wait (a lost wake-up: the condition changed without the mutex)");
        else
            eng_appendf(buf, cap, len, ") for a signal that never came");
        break;
    case W_JOIN:
        eng_appendf(buf, cap, len, "%s waits in pthread_join (at ", and);
        eng_site(buf, cap, len, th->wait_site);
        if (th->wait_thread >= 0)
            eng_appendf(buf, cap, len, ") for thread %d", E.threads[th->wait_thread].id);
        else
            eng_appendf(buf, cap, len, ")");
        break;
    case W_RWLOCK:
    case W_SPIN: {
        eng_appendf(buf, cap, len, "%s %s lock %d (at ", and,
                    th->wait == W_SPIN ? "spins on spin" : "waits for read-write",
                    th->wait_lock + 1);
        eng_site(buf, cap, len, th->wait_site);
        int holder[MAX_HOLDERS], lock;
        int n = waits_for(t, &lock, holder);
        for (int i = 0; i < n; i++)
            eng_appendf(buf, cap, len, "%s%d", i ? ", " : "), held by thread ",
                        E.threads[holder[i]].id);
        if (n == 0)
            eng_appendf(buf, cap, len, ")");
        break;
    }
    case W_SEM:
        eng_appendf(buf, cap, len, "%s waits on semaphore %d (at ", and, th->wait_cond);
        eng_site(buf, cap, len, th->wait_site);
        eng_appendf(buf, cap, len, ") for a post that never came");
        break;
    case W_BARRIER:
        eng_appendf(buf, cap, len, "%s waits at barrier %d (at ", and, th->wait_cond);
        eng_site(buf, cap, len, th->wait_site);
        eng_appendf(buf, cap, len, ") for threads that never arrive");
        break;
    case W_IDLE:
        eng_appendf(buf, cap, len, "%s waits for the test's next call", and);
        break;
    case W_SLEEP:
        eng_appendf(buf, cap, len, "%s sleeps (at ", and);
        eng_site(buf, cap, len, th->wait_site);
        eng_appendf(buf, cap, len, "): is it polling for something that never happens?");
        break;
    default:
        eng_appendf(buf, cap, len, "%s is running (not in a pthread call)", and);
    }
}

/* Under E.mu: the hang report; false when there is nothing to say. */
static bool hang_report(const procwait_seen *others, char *buf, size_t cap)
{
    size_t len = 0;
    int shown = 0, more = 0;
    bool anything = false;
    for (int i = 0; i < E.nthreads; i++) {
        const eng_thread *th = &E.threads[i];
        bool interesting = th->nheld > 0 || (th->alive && th->wait != W_NONE && th->wait != W_IDLE);
        if (!th->used || (!th->alive && th->nheld == 0))
            continue;
        anything |= interesting;
        if (!interesting && th->id != 1)
            continue; /* a running helper: not part of the story */
        if (shown == MAX_DESCRIBED) {
            more++;
            continue;
        }
        if (shown++)
            eng_appendf(buf, cap, &len, "; ");
        eng_describe_thread(buf, cap, &len, i);
    }
    if (more)
        eng_appendf(buf, cap, &len, "; and %d more", more);
    /* The processes the code forked, seen from outside (procwait.c). */
    size_t before = len;
    eng_appendf(buf, cap, &len, "%s", shown || more ? "; other processes: " : "other processes: ");
    if (procwait_describe(others, buf, cap, &len) > 0) {
        anything = true;
    } else {
        len = before;
        buf[len] = '\0';
    }
    return anything;
}

static void *watch(void *unused)
{
    (void)unused;
    static char buf[3500];
    unsigned long last = atomic_load_explicit(&E.progress, memory_order_relaxed);
    unsigned quiet_ms = 0;
    bool said = false;
    unsigned misuse_ticks = 0;
    for (;;) {
        struct timespec ts = { 0, 50 * 1000000L };
        E.R.nanosleep(&ts, NULL);
        /* A misuse fails the test whatever follows: the run ends a tick
         * after it (time for the call to finish and show in the timeline),
         * not at its time limit (a wait on the wrong clock never returns). */
        if (E.cfg.exit_on_deadlock &&
            (atomic_load_explicit(&E.misuse_reported, memory_order_relaxed) ||
             pshared_misuse_anywhere()) &&
            ++misuse_ticks > 1) {
            engine_report_timeline();
            _exit(ENGINE_DEADLOCK_EXIT);
        }
        unsigned long p = atomic_load_explicit(&E.progress, memory_order_relaxed);
        if (p != last) {
            last = p;
            quiet_ms = 0;
            said = false;
            continue;
        }
        quiet_ms += 50;
        if (said || quiet_ms < E.cfg.stall_ms)
            continue;
        said = true;
        static procwait_seen others;
        procwait_look(&others); /* before E.mu: it allocates (procwait.c) */
        eng_enter();
        for (int i = 0; i < E.nthreads; i++) {
            if (E.threads[i].alive && eng_find_wait_cycle(i, buf, sizeof buf))
                eng_report_deadlock(buf);
        }
        bool any = hang_report(&others, buf, sizeof buf);
        eng_leave();
        if (any)
            E.report("hang", buf);
        engine_report_timeline(); /* what led here, if the run is then stopped */
    }
    return NULL;
}

void watchdog_start(void)
{
    pthread_t t;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&a, 256 * 1024);
    pthread_create(&t, &a, watch, NULL); /* without it: no hang reports */
    pthread_attr_destroy(&a);
}
