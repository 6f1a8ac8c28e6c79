/* watchdog.c - what every thread waits for: wait cycles and hang reports.
 *
 * eng_find_wait_cycle follows "waits for" from one thread: a mutex leads to
 * its owner, a join to the joined thread. Coming back to the start is a
 * deadlock; reaching a mutex whose owner has exited is one too (nobody can
 * ever unlock it). The watchdog thread wakes every 50 ms; when nothing has
 * progressed for cfg.stall_ms it looks for cycles the lock-time check could
 * not see and writes a "hang" record describing every thread, which the
 * grader shows if the test then runs out of time.
 */
#include "engine_int.h"

#include <time.h>

#define MAX_DESCRIBED 12

static const char *lock_site(int lock, void **site)
{
    const eng_lock *L = &E.locks[lock];
    *site = NULL;
    if (L->owner < 0)
        return NULL;
    const eng_thread *o = &E.threads[L->owner];
    for (int i = 0; i < o->nheld; i++)
        if (o->held[i].lock == lock)
            *site = o->held[i].site;
    return "";
}

/* "holds lock 3 (locked at @12ab) and waits for lock 4 (at @12cd)" */
static void describe_step(char *buf, size_t cap, size_t *len, int t, int held_lock)
{
    const eng_thread *th = &E.threads[t];
    eng_appendf(buf, cap, len, "thread %d", th->id);
    if (held_lock >= 0) {
        void *site;
        lock_site(held_lock, &site);
        eng_appendf(buf, cap, len, " holds lock %d (locked at ", held_lock + 1);
        eng_site(buf, cap, len, site);
        eng_appendf(buf, cap, len, ") and");
    }
    if (th->wait == W_MUTEX) {
        eng_appendf(buf, cap, len, " waits for lock %d (at ", th->wait_lock + 1);
        eng_site(buf, cap, len, th->wait_site);
        eng_appendf(buf, cap, len, ")");
    } else if (th->wait == W_JOIN && th->wait_thread >= 0) {
        eng_appendf(buf, cap, len, " waits in pthread_join (at ");
        eng_site(buf, cap, len, th->wait_site);
        eng_appendf(buf, cap, len, ") for thread %d to finish", E.threads[th->wait_thread].id);
    }
}

/* The thread t waits for, or -1: a mutex's owner or the joined thread. */
static int waits_for(int t, int *lock)
{
    const eng_thread *th = &E.threads[t];
    *lock = -1;
    if (th->wait == W_MUTEX && !th->wait_timed && th->wait_lock >= 0) {
        *lock = th->wait_lock;
        return E.locks[th->wait_lock].owner;
    }
    if (th->wait == W_JOIN)
        return eng_join_target(t);
    return -1;
}

bool eng_find_wait_cycle(int t, char *buf, size_t cap)
{
    int path[ENG_MAX_THREADS], locks[ENG_MAX_THREADS];
    int n = 0, cur = t;
    size_t len = 0;
    buf[0] = '\0';
    while (n < ENG_MAX_THREADS) {
        int lock;
        int next = waits_for(cur, &lock);
        if (next < 0)
            return false;
        path[n] = cur;
        locks[n] = lock; /* what path[n] waits for */
        n++;
        if (next == t)
            break;
        for (int i = 0; i < n; i++)
            if (path[i] == next)
                return false; /* a cycle without t: reported by its own closer */
        if (!E.threads[next].alive) {
            if (lock < 0)
                return false; /* joining an exited thread returns at once */
            void *site;
            lock_site(lock, &site);
            eng_appendf(buf, cap, &len, "thread %d waits for lock %d (at ", E.threads[cur].id,
                        lock + 1);
            eng_site(buf, cap, &len, E.threads[cur].wait_site);
            eng_appendf(buf, cap, &len, "), which thread %d locked (at ", E.threads[next].id);
            eng_site(buf, cap, &len, site);
            eng_appendf(buf, cap, &len, ") and never unlocked before it exited");
            return true;
        }
        cur = next;
    }
    if (n == ENG_MAX_THREADS)
        return false;
    /* path[i] holds what path[i-1] waits for (path[0]: what the last waits for). */
    bool join = false;
    for (int i = 0; i < n; i++) {
        int prev = i == 0 ? n - 1 : i - 1;
        if (i)
            eng_appendf(buf, cap, &len, "; ");
        describe_step(buf, cap, &len, path[i], locks[prev]);
        join |= locks[i] < 0;
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
        eng_appendf(buf, cap, len, "%s waits for a read-write lock (at ", and);
        eng_site(buf, cap, len, th->wait_site);
        eng_appendf(buf, cap, len, ")");
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
static bool hang_report(char *buf, size_t cap)
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
    return anything;
}

static void *watch(void *unused)
{
    (void)unused;
    static char buf[3500];
    unsigned long last = atomic_load_explicit(&E.progress, memory_order_relaxed);
    unsigned quiet_ms = 0;
    bool said = false;
    for (;;) {
        struct timespec ts = { 0, 50 * 1000000L };
        E.R.nanosleep(&ts, NULL);
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
        eng_enter();
        for (int i = 0; i < E.nthreads; i++) {
            if (E.threads[i].alive && eng_find_wait_cycle(i, buf, sizeof buf))
                eng_report_deadlock(buf);
        }
        bool any = hang_report(buf, sizeof buf);
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
