/* vclock.c - virtual time for the code under test (issue 10, point 3), after
 * Go's testing/synctest: a test turns it on, and from then on every clock
 * read, sleep and timed wait of the student's code runs on a virtual clock.
 *
 * The rule. The clock moves only when every thread the engine knows is
 * durably blocked: waiting for a mutex, a condition, a join (of a thread
 * still alive for the engine), a read-write lock, a barrier, or in a (virtual) sleep or timed wait; a stub thread
 * whose judge thread joins another whose stub still serves it (vclock_park)
 * counts as blocked, a stub between two calls of a running judge thread (W_IDLE)
 * does not, nor does a spinning thread, nor a thread being created. Then it
 * jumps to the earliest pending deadline and wakes exactly the threads whose
 * deadline it is (a timed condition wait returns ETIMEDOUT with its mutex
 * taken again, as POSIX says). When every thread is blocked and no deadline
 * is pending, no thread can ever run again: that is reported at once, as a
 * "hang" record and a deadlock, with what each thread waits for.
 *
 * "Blocked" is decided by a ticker thread, every TICK_NS: the engine's own
 * view (each thread's wait kind, under E.mu) must say so twice in a row with
 * nothing changed in between, and the kernel must agree that each of those
 * threads sleeps (/proc/self/task/TID/stat): a thread just woken by an
 * unlock or a signal, whose bookkeeping has not caught up yet, is running
 * for the kernel.
 *
 * A thread that spins holds the clock still: it is never blocked. When the
 * running threads burn SPIN_CPU_NS of CPU between them (0.5 s of their own
 * CPU time, so a loaded machine only makes the report later, never wrong)
 * while the clock stands and another thread waits for a deadline, or one
 * thread does while it keeps reading the clock (SPIN_CLOCK_READS times: it
 * polls for a time), nothing can end the wait but their giving up the CPU:
 * it is reported as busy waiting (a "spin" record) and the run ends,
 * instead of running to its wall limit. Threads that compute while no
 * deadline is pending, reading the clock a few times, are not spinners, nor
 * is a stub thread's time carrying the judge's calls.
 *
 * What is virtual: clock_gettime (REALTIME, MONOTONIC and their RAW, COARSE,
 * BOOTTIME variants; each keeps its real offset from the others, so a
 * deadline on the wrong clock stays wrong by decades), time, gettimeofday,
 * timespec_get (TIME_UTC), nanosleep, clock_nanosleep, usleep, sleep, thrd_sleep; timed condition
 * waits, pthread_mutex_timedlock, pthread_rwlock_timed*lock and through them
 * cnd_timedwait and mtx_timedlock (the engine's real calls for those are
 * swapped while on). A virtual timed condition wait also wakes up once,
 * spuriously, half-way to its deadline on every other wait when the engine
 * makes spurious wake-ups (POSIX allows it): a wait that restarts its full
 * timeout after a wake-up then overruns, exactly. Semaphore waits count as
 * blocked, and sem_timedwait waits in virtual time (as a timed lock does).
 * What stays real: CPU-time clocks, the engine's own noise sleeps and
 * watchdog, poll with
 * descriptors (poll without any is a virtual sleep: intercept_time.c),
 * select and epoll (a peer outside the process is outside the bubble).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "vclock.h"
#include "engine_int.h"
#include "timeline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VT_NONE INT64_MAX
#define NCLOCKS 12                     /* clock ids below this may be virtual */
#define TICK_NS 250000L                /* the ticker's period... */
#define BUSY_TICK_NS 1000000L          /* ...after BUSY_TICKS ticks in a row with a thread */
#define BUSY_TICKS 64                  /* running (less of E.mu taken from them)... */
#define OFF_TICK_NS (10 * 1000000L)    /* ...and while the clock is off */
#define POLL_NS (20 * 1000000L)        /* a virtual timed lock re-checks this often */
#define MIN_SPURIOUS_NS (2 * 1000000LL) /* no mid-wait wake-up in shorter waits */
#define NS 1000000000LL
#define SPIN_CHECK_NS (20 * 1000000LL) /* how often the ticker looks for a spinner */
/* CPU time that makes a thread a spinner: far more than any test's own
 * work between two waits (microseconds), 3 x under ThreadSanitizer (as the
 * time limit). Small enough that a spinner starved by a loaded machine
 * still gets it well within a test's limit. */
#ifdef ENG_UNDER_TSAN
#define SPIN_CPU_NS (3 * NS / 2)
#else
#define SPIN_CPU_NS (NS / 2)
#endif
#define SPIN_CLOCK_READS 1000          /* ...with no deadline pending, if it polls the clock */

/* A thread's virtual wait, under E.mu (index: its engine slot). */
typedef struct vslot {
    int64_t deadline;    /* virtual ns since on; VT_NONE: none */
    int64_t spurious_at; /* a wake-up in mid-wait; VT_NONE: none */
    bool fired;          /* the clock reached it: running until the wait returns */
    bool fired_spurious; /* ...and it was the mid-wait wake-up */
    bool last_spurious;  /* its previous timed wait had one: this one has none */
    bool parked;         /* a stub whose judge thread joins another's (park_chan) */
    uint32_t park_chan;
    pthread_cond_t *cond; /* a condition wait's condition, broadcast when fired */
    atomic_ulong clock_reads; /* virtual clock reads by the thread (spin_check) */
} vslot;

atomic_bool vclock_on;

static struct {
    engine_real real; /* the engine's real timed waits, before the swap */
    bool saved, ticker, reported;
    struct timespec base[NCLOCKS]; /* each clock's real time when turned on */
    bool has_base[NCLOCKS];
    atomic_llong elapsed; /* virtual ns since on: written under E.mu */
    pthread_cond_t cv;    /* virtual sleepers wait here, with E.mu */
    vslot slot[ENG_MAX_THREADS];
    atomic_int *starting;
    atomic_uint stubs_started, stubs_expected;
    bool (*serving)(uint32_t chan);
    int internal_threads; /* >= 0: count the process's tasks (vclock_count_tasks) */
    int (*gettime)(clockid_t, struct timespec *);
    int (*sleep_on)(clockid_t, int, const struct timespec *, struct timespec *);
} V = { .cv = PTHREAD_COND_INITIALIZER, .internal_threads = -1 };

/* The real clock calls (the preload library's own names are its wrappers). */
static int real_gettime(clockid_t c, struct timespec *ts)
{
    return V.gettime ? V.gettime(c, ts) : clock_gettime(c, ts);
}

void vclock_set_real(int (*gettime)(clockid_t, struct timespec *),
                     int (*sleep_on)(clockid_t, int, const struct timespec *, struct timespec *))
{
    V.gettime = gettime;
    V.sleep_on = sleep_on;
}

void vclock_count_tasks(int internal) { V.internal_threads = internal; }

/* ---- clocks ----------------------------------------------------------------- */

static bool virtual_clock(clockid_t c) { return c >= 0 && c < NCLOCKS && V.has_base[c]; }

static bool valid_ts(const struct timespec *ts)
{
    return ts && ts->tv_nsec >= 0 && ts->tv_nsec < NS;
}

/* a - b in nanoseconds, clamped (a garbage tv_sec must not overflow). */
static int64_t diff_ns(const struct timespec *a, const struct timespec *b)
{
    int64_t ds = (int64_t)a->tv_sec - (int64_t)b->tv_sec;
    const int64_t lim = INT64_MAX / NS - 1;
    if (ds > lim)
        return VT_NONE - 1;
    if (ds < -lim)
        return -(VT_NONE - 1);
    return ds * NS + (a->tv_nsec - b->tv_nsec);
}

static int64_t elapsed(void) { return atomic_load_explicit(&V.elapsed, memory_order_relaxed); }

/* An absolute time on clock c, as virtual ns since on. */
static int64_t to_elapsed(clockid_t c, const struct timespec *ts)
{
    return diff_ns(ts, &V.base[c]);
}

static struct timespec add_ns(struct timespec t, int64_t ns)
{
    t.tv_sec += (time_t)(ns / NS);
    t.tv_nsec += (long)(ns % NS);
    if (t.tv_nsec >= NS) {
        t.tv_sec++;
        t.tv_nsec -= NS;
    } else if (t.tv_nsec < 0) {
        t.tv_sec--;
        t.tv_nsec += NS;
    }
    return t;
}

static int self(void);

/* The clock's time, virtual when on. */
static int read_clock(clockid_t clock, struct timespec *ts)
{
    if (!atomic_load_explicit(&vclock_on, memory_order_acquire) || !virtual_clock(clock))
        return real_gettime(clock, ts);
    *ts = add_ns(V.base[clock], elapsed());
    return 0;
}

int vclock_gettime(clockid_t clock, struct timespec *ts)
{
    int rc = read_clock(clock, ts);
    /* The code's own read: counted, for spin_check (a thread that polls). */
    if (rc == 0 && atomic_load_explicit(&vclock_on, memory_order_relaxed) &&
        virtual_clock(clock)) {
        int t = self();
        if (t >= 0)
            atomic_fetch_add_explicit(&V.slot[t].clock_reads, 1, memory_order_relaxed);
    }
    return rc;
}

uint64_t vclock_now_ns(void)
{
    struct timespec ts;
    read_clock(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * (uint64_t)NS + (uint64_t)ts.tv_nsec;
}

/* ---- the blocked rule ------------------------------------------------------- */

enum { T_GONE, T_RUNNING, T_BLOCKED };

/* Under E.mu: thread i, in a join, waits for a thread that has not ended.
 * A thread has ended for the engine once its destructors ran, a moment
 * before the kernel has finished its exit and lets the join return: a
 * joiner of such a thread is on its way out of the join, not blocked (were
 * it taken for blocked, the clock would jump, or a deadlock be reported,
 * while the exit is slow on a busy machine). */
static bool joins_live_thread(int i)
{
    int j = eng_join_target(i);
    return j >= 0 && E.threads[j].alive &&
           pthread_equal(E.threads[j].self, E.threads[i].wait_target);
}

/* Under E.mu. */
static int state_of(int i)
{
    const eng_thread *th = &E.threads[i];
    if (!th->used || !th->alive)
        return T_GONE;
    const vslot *s = &V.slot[i];
    if (s->fired) {
        /* A fired condition wait takes its mutex back before it returns:
         * while another thread holds that mutex (one that sleeps with it,
         * say), the waiter is blocked on it, not running. */
        if (th->wait == W_COND && th->wait_lock >= 0 && E.locks[th->wait_lock].owner >= 0 &&
            E.locks[th->wait_lock].owner != i)
            return T_BLOCKED;
        return T_RUNNING;
    }
    switch (th->wait) {
    case W_IDLE:
        return s->parked && V.serving && V.serving(s->park_chan) ? T_BLOCKED : T_RUNNING;
    case W_JOIN:
        return joins_live_thread(i) ? T_BLOCKED : T_RUNNING;
    case W_MUTEX:
    case W_COND:
    case W_RWLOCK:
    case W_BARRIER:
    case W_SLEEP:
    case W_SEM:
        return T_BLOCKED;
    default:
        return T_RUNNING; /* running, spinning, or a wait the clock does not know */
    }
}

typedef struct observation {
    bool all_blocked;
    int64_t earliest; /* the earliest pending deadline, VT_NONE: none */
    uint64_t sig;     /* changes when any thread's state does */
    int ntids;
    pid_t tids[ENG_MAX_THREADS];
} observation;

static bool everyone_started(void)
{
    if (V.starting && atomic_load(V.starting) > 0)
        return false;
    return atomic_load(&V.stubs_started) >= atomic_load(&V.stubs_expected);
}

/* Under E.mu. */
static void observe(observation *o)
{
    o->all_blocked = false;
    o->earliest = VT_NONE;
    o->sig = atomic_load_explicit(&E.progress, memory_order_relaxed) * 1000003u +
             atomic_load_explicit(&E.sections, memory_order_relaxed);
    o->ntids = 0;
    for (int i = 0; i < E.nthreads; i++) {
        int st = state_of(i);
        if (st == T_GONE)
            continue;
        if (st == T_RUNNING)
            return;
        const eng_thread *th = &E.threads[i];
        const vslot *s = &V.slot[i];
        o->sig = o->sig * 31 + (uint64_t)th->wait * 7 + (uintptr_t)th->wait_site + s->parked +
                 s->fired;
        /* A fired wait's deadline has come: it waits for a mutex now. */
        if (!s->fired && s->deadline < o->earliest)
            o->earliest = s->deadline;
        if (!s->fired && s->spurious_at < o->earliest)
            o->earliest = s->spurious_at;
        o->tids[o->ntids++] = th->tid;
    }
    o->all_blocked = o->ntids > 0;
}

/* With vclock_count_tasks: true when the process has a thread the engine
 * does not know (started, not yet through a wrapped call), besides its own. */
static bool unknown_threads_unhidden(const observation *o)
{
    if (V.internal_threads < 0)
        return false;
    char buf[1024];
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return true;
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    long tasks = 0;
    /* ") S ppid ...": num_threads is the 18th field after the name. */
    for (int field = 0; p && field < 18; field++)
        p = strchr(p + 1, ' ');
    if (p)
        tasks = strtol(p + 1, NULL, 10);
    return tasks > o->ntids + V.internal_threads;
}

/* Hidden from ThreadSanitizer: what it opens and reads orders nothing of
 * the student's code (tsan_hide.h). */
static bool unknown_threads(const observation *o)
{
    eng_hide_begin();
    bool r = unknown_threads_unhidden(o);
    eng_hide_end();
    return r;
}

/* True when the kernel says every thread of o sleeps. */
static bool kernel_asleep_unhidden(const observation *o)
{
    for (int i = 0; i < o->ntids; i++) {
        char path[64], buf[512];
        snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)o->tids[i]);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue; /* gone: not running either */
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n <= 0)
            continue;
        buf[n] = '\0';
        const char *p = strrchr(buf, ')');
        if (!p || p[2] != 'S') /* 'D' (a page fault...) may be on its way to a wait */
            return false;
    }
    return true;
}

/* Hidden from ThreadSanitizer: what it opens and reads orders nothing of
 * the student's code (tsan_hide.h). */
static bool kernel_asleep(const observation *o)
{
    eng_hide_begin();
    bool r = kernel_asleep_unhidden(o);
    eng_hide_end();
    return r;
}

/* ---- moving the clock --------------------------------------------------------- */

/* Under E.mu: every thread is blocked for ever. */
static void report_stuck(void)
{
    static char buf[3500];
    size_t len = 0;
    eng_appendf(buf, sizeof buf, &len,
                "every thread is blocked and no timed wait or sleep is pending (virtual time "
                "cannot move): ");
    int shown = 0;
    for (int i = 0; i < E.nthreads; i++) {
        if (state_of(i) != T_BLOCKED)
            continue;
        if (shown++)
            eng_appendf(buf, sizeof buf, &len, "; ");
        if (E.threads[i].wait == W_IDLE)
            eng_appendf(buf, sizeof buf, &len,
                        "thread %d is the test's, waiting for another test thread's call to "
                        "return", E.threads[i].id);
        else
            eng_describe_thread(buf, sizeof buf, &len, i);
    }
    V.reported = true;
    E.report("hang", buf);
    eng_report_deadlock(buf); /* ends the run when deadlocks end it */
}

/* Under E.mu: the clock jumps to `to`; the waits due then are woken. */
static void advance(int64_t to)
{
    if (to > elapsed())
        atomic_store_explicit(&V.elapsed, to, memory_order_relaxed);
    for (int i = 0; i < E.nthreads; i++) {
        vslot *s = &V.slot[i];
        if (s->fired || (s->deadline > to && s->spurious_at > to))
            continue;
        s->fired = true;
        s->fired_spurious = s->deadline > to;
        if (s->cond) /* under E.mu: the waiter cannot have returned (and freed it) yet */
            E.R.cond_broadcast(s->cond);
    }
    E.R.cond_broadcast(&V.cv);
    atomic_fetch_add_explicit(&E.progress, 1, memory_order_relaxed);
}

/* ---- busy waiting --------------------------------------------------------------- */

/* CPU time (ns) the kernel counts for one thread of ours; -1 if unknown. */
static int64_t thread_cpu_ns_unhidden(pid_t tid)
{
    char path[64], buf[128];
    snprintf(path, sizeof path, "/proc/self/task/%d/schedstat", (int)tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    return strtoll(buf, NULL, 10); /* first field: ns on a CPU */
}

/* Hidden from ThreadSanitizer: what it opens and reads orders nothing of
 * the student's code (tsan_hide.h). */
static int64_t thread_cpu_ns(pid_t tid)
{
    eng_hide_begin();
    int64_t r = thread_cpu_ns_unhidden(tid);
    eng_hide_end();
    return r;
}

/* The ticker's view of the threads that run while the clock stands. */
static struct {
    int64_t next_ns;               /* real time of the next look */
    int64_t at;                    /* the virtual time the look began at */
    pid_t tid[ENG_MAX_THREADS];    /* 0: no baseline for the slot */
    int64_t cpu0[ENG_MAX_THREADS]; /* its CPU time then */
    unsigned long reads0[ENG_MAX_THREADS]; /* its clock reads then */
} spin = { .at = -1 };

/* Under E.mu: the threads in `spun` (n of them, the busiest first) ran
 * `cpu_ns` of CPU between them while thread `waiter` waits for a deadline
 * that cannot come; or (waiter -1) the one in spun[0] did while it read the
 * clock `reads` times. */
static void report_spin(const int *spun, int n, int waiter, int64_t cpu_ns, unsigned long reads)
{
    static char buf[1500];
    size_t len = 0;
    eng_appendf(buf, sizeof buf, &len, "busy waiting: thread%s ", n > 1 ? "s" : "");
    for (int k = 0; k < n && k < 6; k++)
        eng_appendf(buf, sizeof buf, &len, "%s%d", k == 0 ? "" : k == n - 1 ? " and " : ", ",
                    E.threads[spun[k]].id);
    if (n > 6)
        eng_appendf(buf, sizeof buf, &len, " and %d more", n - 6);
    eng_appendf(buf, sizeof buf, &len, " kept running (%.1f s of CPU%s, never blocked) ",
                (double)cpu_ns / NS, n > 1 ? " between them" : "");
    if (waiter >= 0) {
        /* No site: the judge's own sleep (harness_sleep_ms), on a stub thread. */
        const eng_thread *w = &E.threads[waiter];
        const char *how = w->wait == W_SLEEP ? "sleeps" : "waits with a timeout";
        if (!w->wait_site) {
            eng_appendf(buf, sizeof buf, &len, "while the test %s", how);
        } else {
            eng_appendf(buf, sizeof buf, &len, "while thread %d %s (at ", w->id, how);
            eng_site(buf, sizeof buf, &len, w->wait_site);
            eng_appendf(buf, sizeof buf, &len, ")");
        }
    } else {
        eng_appendf(buf, sizeof buf, &len, "reading the clock %lu times", reads);
    }
    eng_appendf(buf, sizeof buf, &len,
                ". Time in the test moves only when every thread waits, so %s could never "
                "end. A thread that waits for something must block until it comes (a "
                "condition wait, a join, a sleep, a timed wait), not loop checking for it",
                waiter >= 0 ? "that wait" : "its wait");
    V.reported = true;
    /* Where the busiest spinner runs: "spin_at ID OFFSET...", before the
     * report (the grader names the first frame of the student's code). */
    uintptr_t at[ENG_SAMPLE_FRAMES];
    int nat = eng_sample_stack(E.threads[spun[0]].tid, at);
    if (nat > 0) {
        static char where[32 + ENG_SAMPLE_FRAMES * 20];
        size_t wlen = 0;
        eng_appendf(where, sizeof where, &wlen, "%d", E.threads[spun[0]].id);
        for (int i = 0; i < nat; i++)
            eng_appendf(where, sizeof where, &wlen, " %lx", (unsigned long)at[i]);
        E.report("spin_at", where);
    }
    E.report("spin", buf);
}

/* The ticker, every SPIN_CHECK_NS: since the clock last moved, the running
 * threads burned SPIN_CPU_NS of CPU between them while another waited for
 * a deadline, or one thread did while it polled the clock: spinners. Each
 * thread's count starts when it is first seen running while the clock
 * stands; a thread seen not running starts again. */
static bool spin_check(void)
{
    struct timespec now;
    real_gettime(CLOCK_MONOTONIC, &now);
    int64_t now_ns = (int64_t)now.tv_sec * NS + now.tv_nsec;
    if (now_ns < spin.next_ns)
        return false;
    spin.next_ns = now_ns + SPIN_CHECK_NS;
    eng_enter();
    int waiter = -1;
    for (int i = 0; i < E.nthreads; i++) {
        const vslot *s = &V.slot[i];
        if (state_of(i) == T_BLOCKED && !s->fired && s->deadline != VT_NONE)
            waiter = i;
    }
    int64_t at = elapsed();
    bool stood = at == spin.at; /* the clock has not moved since the last look */
    spin.at = at;
    int spun[ENG_MAX_THREADS], n = 0, poller = -1;
    int64_t total = 0, most = 0, poller_cpu = 0;
    unsigned long polls = 0;
    for (int i = 0; i < E.nthreads; i++) {
        /* A stub between two of the judge's calls (W_IDLE) runs no code of
         * the student's: the CPU it spends carrying calls is not spinning. */
        bool running = state_of(i) == T_RUNNING && !V.slot[i].fired &&
                       E.threads[i].wait != W_IDLE;
        pid_t tid = running ? E.threads[i].tid : 0;
        int64_t cpu = tid ? thread_cpu_ns(tid) : -1;
        unsigned long reads = atomic_load_explicit(&V.slot[i].clock_reads, memory_order_relaxed);
        if (!stood || cpu < 0 || spin.tid[i] != tid) {
            spin.tid[i] = cpu < 0 ? 0 : tid;
            spin.cpu0[i] = cpu;
            spin.reads0[i] = reads;
            continue;
        }
        int64_t used = cpu - spin.cpu0[i];
        if (used < SPIN_CHECK_NS / 4)
            continue; /* running, but hardly: not one of the spinners */
        total += used;
        spun[n++] = i;
        if (used > most) { /* the busiest first */
            most = used;
            spun[n - 1] = spun[0];
            spun[0] = i;
        }
        if (used >= SPIN_CPU_NS && reads - spin.reads0[i] >= SPIN_CLOCK_READS) {
            poller = i;
            poller_cpu = used;
            polls = reads - spin.reads0[i];
        }
    }
    bool found = true;
    if (waiter >= 0 && total >= SPIN_CPU_NS)
        report_spin(spun, n, waiter, total, 0);
    else if (poller >= 0)
        report_spin(&poller, 1, -1, poller_cpu, polls);
    else
        found = false;
    eng_leave();
    return found;
}

static void *ticker(void *unused)
{
    (void)unused;
    /* The grader's own thread: all it does is hidden from ThreadSanitizer
     * (its reads outside E.mu would be races to TSan, and every test that
     * turned virtual time on failed its TSan run); vclock_enable also
     * starts it outside E.mu, so it inherits the engine's set-up. */
    eng_hide_begin();
    static observation o; /* only this thread's */
    uint64_t last = 0;
    unsigned long last_progress = 0;
    unsigned busy = 0; /* ticks in a row with a thread running: tick slower */
    bool seen = false;
    for (;;) {
        struct timespec ts = { 0, !vclock_active() ? OFF_TICK_NS
                                  : busy > BUSY_TICKS ? BUSY_TICK_NS : TICK_NS };
        E.R.nanosleep(&ts, NULL);
        if (!vclock_active() || V.reported || !everyone_started()) {
            seen = false;
            continue;
        }
        if (spin_check()) {
            engine_report_timeline(); /* what the spinner did */
            if (E.cfg.exit_on_deadlock)
                _exit(ENGINE_DEADLOCK_EXIT); /* it would spin to the wall limit */
            continue;
        }
        /* Something moved since the last tick: look again later, without
         * taking E.mu from the threads that are busy with it. */
        unsigned long p = atomic_load_explicit(&E.progress, memory_order_relaxed);
        if (p != last_progress) {
            last_progress = p;
            seen = false;
            busy++;
            continue;
        }
        eng_enter();
        observe(&o);
        eng_leave();
        if (!o.all_blocked || unknown_threads(&o) || !kernel_asleep(&o)) {
            seen = false;
            busy++;
            continue;
        }
        busy = 0;
        if (!seen || o.sig != last) { /* once more, a tick later */
            seen = true;
            last = o.sig;
            continue;
        }
        seen = false;
        eng_enter();
        observe(&o);
        if (o.all_blocked && o.sig == last && vclock_active() && everyone_started()) {
            if (o.earliest == VT_NONE)
                report_stuck();
            else
                advance(o.earliest);
        }
        eng_leave();
    }
    return NULL;
}

/* ---- virtual waits ------------------------------------------------------------ */

/* The calling thread's slot, registering it if need be; -1 if none. */
static int self(void)
{
    if (eng_self_index() < 0)
        eng_thread_start();
    return eng_self_index();
}

/* Under E.mu. */
static void disarm(vslot *s)
{
    s->deadline = s->spurious_at = VT_NONE;
    s->fired = false;
    s->cond = NULL;
}

/* Under E.mu: the wait of slot s ends at virtual `dl`; `cond` (may be NULL)
 * is broadcast when it fires; `spurious`: it may wake up half-way. */
static void arm(vslot *s, int64_t dl, pthread_cond_t *cond, bool spurious)
{
    int64_t now = elapsed();
    s->deadline = dl;
    s->cond = cond;
    s->fired = s->fired_spurious = false;
    s->spurious_at = VT_NONE;
    if (spurious && !s->last_spurious && dl - now >= MIN_SPURIOUS_NS)
        s->spurious_at = now + (dl - now) / 2;
    s->last_spurious = false;
}

/* A blocking call with a real deadline (the real timed function). */
typedef int (*real_wait)(void *obj, void *m, const struct timespec *deadline);

/* Thread t, armed for a lock (fn: its real timed call), waits until it gets
 * it or the clock fires it (ETIMEDOUT); fn runs with short real deadlines
 * on clock clk in between (a timed-out try loses nothing: the lock's state
 * is in memory). Turned off meanwhile: the rest of the wait is real. */
static int virtual_lock_wait(int t, clockid_t clk, real_wait fn, void *obj)
{
    vslot *s = &V.slot[t];
    for (;;) {
        struct timespec rd;
        real_gettime(clk, &rd);
        rd = add_ns(rd, POLL_NS);
        int rc = fn(obj, NULL, &rd);
        eng_enter();
        if (rc != ETIMEDOUT) { /* acquired (even if it fired meanwhile), or an error */
            disarm(s);
            eng_leave();
            return rc;
        }
        if (s->fired) {
            disarm(s);
            eng_leave();
            return ETIMEDOUT;
        }
        if (!vclock_active()) {
            int64_t left = s->deadline - elapsed();
            disarm(s);
            eng_leave();
            real_gettime(clk, &rd);
            rd = add_ns(rd, left > 0 ? left : 0);
            return fn(obj, NULL, &rd);
        }
        eng_leave();
    }
}

/* Thread t, armed for a condition wait, waits on c without a real timeout:
 * a real timed wait that times out may have taken a signal with it (glibc
 * passes it on to another waiter, if any), and a loop here would then sleep
 * through the wake-up the caller's predicate loop needs. The ticker fires
 * it only while it sleeps in the wait (the kernel says so), and broadcasts
 * c under E.mu, so the broadcast cannot come before the wait. Returns
 * ETIMEDOUT when its deadline fired, 0 otherwise (a signal, the mid-wait
 * wake-up, the clock turned off: the caller's loop looks again). */
static int virtual_cond_wait(int t, pthread_cond_t *c, pthread_mutex_t *m)
{
    vslot *s = &V.slot[t];
    int rc = E.R.cond_wait(c, m);
    eng_enter();
    if (s->fired) {
        rc = s->fired_spurious ? 0 : ETIMEDOUT;
        s->last_spurious = s->fired_spurious;
    }
    disarm(s);
    eng_leave();
    return rc;
}

static int real_cond(void *c, void *m, const struct timespec *d)
{
    return V.real.cond_timedwait(c, m, d);
}
static int real_mutex(void *m, void *unused, const struct timespec *d)
{
    (void)unused;
    return V.real.mutex_timedlock(m, d);
}
static int real_rd(void *l, void *unused, const struct timespec *d)
{
    (void)unused;
    return V.real.rwlock_timedrdlock(l, d);
}
static int real_wr(void *l, void *unused, const struct timespec *d)
{
    (void)unused;
    return V.real.rwlock_timedwrlock(l, d);
}
/* sem_timedwait says -1 and errno; the waits here return the error. */
static int real_sem(void *sem, void *unused, const struct timespec *d)
{
    (void)unused;
    return V.real.sem_timedwait(sem, d) == 0 ? 0 : errno;
}

/* The clock a condition's timed waits use (engine.c says where glibc keeps it). */
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

/* A timed wait on clock clk until ts, virtual when it can be: t < 0 (a
 * thread the engine does not know), an invalid deadline (the real call
 * says EINVAL) or a clock that stays real go to the real call. `cond`: a
 * condition wait (broadcast when it fires, may wake half-way). */
static int timed(real_wait fn, void *obj, void *m, const struct timespec *ts, clockid_t clk,
                 pthread_cond_t *cond)
{
    int t = eng_self_index();
    if (t < 0 || !vclock_active() || !valid_ts(ts) || !virtual_clock(clk))
        return fn(obj, m, ts);
    eng_enter();
    int64_t dl = to_elapsed(clk, ts);
    if (dl <= elapsed()) {
        eng_leave();
        return ETIMEDOUT; /* its deadline has passed: a lock is only tried */
    }
    arm(&V.slot[t], dl, cond, cond && E.cfg.spurious_wakeups);
    eng_leave();
    return cond ? virtual_cond_wait(t, cond, m) : virtual_lock_wait(t, clk, fn, obj);
}

static int vc_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *ts)
{
    return timed(real_cond, c, m, ts, cond_clock(c), c);
}

static int vc_mutex_timedlock(pthread_mutex_t *m, const struct timespec *ts)
{
    int rc = V.real.mutex_trylock(m);
    if (rc != EBUSY)
        return rc;
    return timed(real_mutex, m, NULL, ts, CLOCK_REALTIME, NULL);
}

static int vc_rwlock_timedrdlock(pthread_rwlock_t *l, const struct timespec *ts)
{
    int rc = V.real.rwlock_tryrdlock(l);
    if (rc != EBUSY)
        return rc;
    return timed(real_rd, l, NULL, ts, CLOCK_REALTIME, NULL);
}

static int vc_rwlock_timedwrlock(pthread_rwlock_t *l, const struct timespec *ts)
{
    int rc = V.real.rwlock_trywrlock(l);
    if (rc != EBUSY)
        return rc;
    return timed(real_wr, l, NULL, ts, CLOCK_REALTIME, NULL);
}

/* A semaphore's count lives in memory, like a lock's state: a timed-out
 * real try loses nothing, so it waits as a timed lock does. */
static int vc_sem_timedwait(sem_t *sem, const struct timespec *ts)
{
    if (V.real.sem_trywait(sem) == 0)
        return 0;
    if (errno != EAGAIN)
        return -1;
    int rc = timed(real_sem, sem, NULL, ts, CLOCK_REALTIME, NULL);
    if (rc == 0)
        return 0;
    errno = rc;
    return -1;
}

/* ---- sleeps ------------------------------------------------------------------- */

/* The calling thread sleeps until virtual `dl` (ns since on). */
static void sleep_until(int64_t dl, void *site)
{
    int t = self();
    if (t < 0)
        return;
    eng_enter();
    eng_thread *th = &E.threads[t];
    vslot *s = &V.slot[t];
    th->wait = W_SLEEP;
    th->wait_site = site;
    TIMELINE(t, TL_SLEEP, 0, 0, site);
    arm(s, dl, NULL, false);
    while (!s->fired && vclock_active() && elapsed() < dl)
        E.R.cond_wait(&V.cv, &E.mu);
    int64_t left = s->fired || vclock_active() ? 0 : dl - elapsed();
    disarm(s);
    th->wait = W_NONE;
    eng_leave();
    if (left > 0) {
        struct timespec rest = add_ns((struct timespec){ 0, 0 }, left);
        while (E.R.nanosleep(&rest, &rest) == -1 && errno == EINTR)
            ;
    }
    atomic_fetch_add_explicit(&E.progress, 1, memory_order_relaxed);
}

void vclock_sleep_ns(uint64_t ns, void *site)
{
    sleep_until(elapsed() + (ns > (uint64_t)INT64_MAX / 2 ? INT64_MAX / 2 : (int64_t)ns), site);
}

int vclock_nanosleep(const struct timespec *req, struct timespec *rem, void *site)
{
    if (!vclock_active())
        return E.R.nanosleep(req, rem);
    (void)rem; /* a virtual sleep is never interrupted */
    if (!valid_ts(req) || req->tv_sec < 0) {
        errno = EINVAL;
        return -1;
    }
    sleep_until(elapsed() + diff_ns(req, &(struct timespec){ 0, 0 }), site);
    return 0;
}

int vclock_clock_nanosleep(clockid_t clock, int flags, const struct timespec *req,
                           struct timespec *rem, void *site)
{
    if (!vclock_active() || !virtual_clock(clock))
        return V.sleep_on ? V.sleep_on(clock, flags, req, rem)
                          : clock_nanosleep(clock, flags, req, rem);
    (void)rem;
    if (!valid_ts(req) || req->tv_sec < 0)
        return EINVAL;
    if (flags & TIMER_ABSTIME)
        sleep_until(to_elapsed(clock, req), site);
    else
        sleep_until(elapsed() + diff_ns(req, &(struct timespec){ 0, 0 }), site);
    return 0;
}

/* ---- on, off, and the judge's threads ------------------------------------------ */

static void start_ticker(void)
{
    pthread_t t;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&a, 256 * 1024);
    V.ticker = pthread_create(&t, &a, ticker, NULL) == 0; /* without it: time stands still */
    pthread_attr_destroy(&a);
}

void vclock_enable(bool on)
{
    if (!E.ready)
        return;
    bool start = false;
    eng_enter();
    if (on && !vclock_active()) {
        for (clockid_t c = 0; c < NCLOCKS; c++)
            V.has_base[c] = c != CLOCK_PROCESS_CPUTIME_ID && c != CLOCK_THREAD_CPUTIME_ID &&
                            real_gettime(c, &V.base[c]) == 0;
        atomic_store_explicit(&V.elapsed, 0, memory_order_relaxed);
        for (int i = 0; i < ENG_MAX_THREADS; i++) {
            disarm(&V.slot[i]);
            V.slot[i].last_spurious = V.slot[i].parked = false;
        }
        if (!V.saved) {
            V.real = E.R;
            V.saved = true;
        }
        E.R.cond_timedwait = vc_cond_timedwait;
        E.R.mutex_timedlock = vc_mutex_timedlock;
        E.R.rwlock_timedrdlock = vc_rwlock_timedrdlock;
        E.R.rwlock_timedwrlock = vc_rwlock_timedwrlock;
        E.R.sem_timedwait = vc_sem_timedwait;
        atomic_store_explicit(&vclock_on, true, memory_order_release);
        start = !V.ticker;
        V.ticker = true; /* started once, below */
    } else if (!on && vclock_active()) {
        atomic_store_explicit(&vclock_on, false, memory_order_release);
        E.R.cond_timedwait = V.real.cond_timedwait;
        E.R.mutex_timedlock = V.real.mutex_timedlock;
        E.R.rwlock_timedrdlock = V.real.rwlock_timedrdlock;
        E.R.rwlock_timedwrlock = V.real.rwlock_timedwrlock;
        E.R.sem_timedwait = V.real.sem_timedwait;
        E.R.cond_broadcast(&V.cv); /* sleepers finish in real time */
        for (int i = 0; i < E.nthreads; i++)
            if (V.slot[i].cond) /* a condition wait returns 0: its loop goes on in real time */
                E.R.cond_broadcast(V.slot[i].cond);
    }
    eng_leave();
    /* Outside eng_enter: a thread created while the engine hides its
     * synchronisation from ThreadSanitizer would not inherit what this one
     * did before (the engine's set-up), and its reads would be races. */
    if (start)
        start_ticker();
    E.report("vclock", on ? "on" : "off");
}

void vclock_watch_starting(atomic_int *n) { V.starting = n; }

void vclock_stub_started(void)
{
    if (vclock_active())
        eng_idle(true); /* known to the engine, idle, before it counts */
    atomic_fetch_add(&V.stubs_started, 1);
}

void vclock_expect_stubs(uint32_t n)
{
    unsigned cur = atomic_load(&V.stubs_expected);
    while (cur < n && !atomic_compare_exchange_weak(&V.stubs_expected, &cur, n))
        ;
}

void vclock_park(uint32_t chan)
{
    int t = self();
    if (t < 0)
        return;
    eng_enter();
    V.slot[t].parked = true;
    V.slot[t].park_chan = chan;
    eng_leave();
}

void vclock_watch_joins(bool (*serving)(uint32_t chan)) { V.serving = serving; }

void vclock_unpark_locked(int t) { V.slot[t].parked = false; }
