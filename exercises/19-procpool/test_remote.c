/* test_remote.c - carries lesson 19's API from the tests to your procpool.c.
 *
 * The tests run in a process of their own (the judge); your code runs in
 * another (the subject). A function cannot travel between processes, so
 * the tests pick fn from a small table of the grader's own (test_support.h's
 * FN_* kinds); the do_ function below calls your procpool_map with it and
 * brings back its return value and out[], as they are: the tests judge
 * them. Around the call it counts, in memory shared with your workers,
 * which processes ran fn and how many items each ran; the grader's book of
 * your forks and waits (remote.h's remote_procs) says how many processes
 * you forked and how many were alive at once. When fn crashes a worker, a
 * grader thread watches the call: 3 s later, still not returned, it kills
 * your workers and the test fails (a dead worker must not hang the map).
 * You never need to read or change this file.
 */
#include "remote.h"
#include "procpool.h"
#include "test_support.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { F_MAP, F_LOOK, F_REAP };
REMOTE_NAMES("procpool_map", "the test's look at your process's children",
             "the test's clean-up of your process's children");

#ifdef REMOTE_JUDGE
int pool_run(size_t workers, size_t n, int kind, uint64_t seed, size_t crash_at, long out[],
             pool_report *report)
{
    static _Thread_local unsigned char trip[sizeof(pool_report) + MAX_ITEMS * sizeof(int64_t)];
    if (n > MAX_ITEMS || workers > MAX_WORKERS)
        ck_abort_msg("the tests ask for at most %d items and %d workers", MAX_ITEMS, MAX_WORKERS);
    size_t len = 0;
    uint64_t args[5] = { workers, n, (uint64_t)kind, seed, crash_at };
    remote_call_bytes(F_MAP, 5, args, NULL, 0, trip, sizeof trip, &len);
    /* What came is the subject's word: every length is checked before use. */
    if (len != sizeof(pool_report) + n * sizeof(int64_t))
        ck_abort_msg("procpool_map's answer did not come back whole");
    memcpy(report, trip, sizeof *report);
    for (size_t i = 0; i < n; i++) {
        int64_t v;
        memcpy(&v, trip + sizeof *report + i * sizeof v, sizeof v);
        out[i] = (long)v;
    }
    return report->rc;
}

children_seen children_look(void)
{
    children_seen c = { 0, 0 };
    size_t len = 0;
    remote_call_bytes(F_LOOK, 0, NULL, NULL, 0, &c, sizeof c, &len);
    if (len != sizeof c)
        ck_abort_msg("the look at your process's children did not come back whole");
    return c;
}

void children_reap(void) { REMOTE_CALL0(F_REAP); }
#endif

#ifdef REMOTE_SUBJECT
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* Shared with the workers (forked from the calling thread: they see the
 * calling thread's call_* below, as copies). */
typedef struct tally {
    atomic_int pid[MAX_WORKERS * 4]; /* the processes that ran fn */
    atomic_uint items[MAX_WORKERS * 4];
    atomic_uint calls, in_caller, inside, missed, returned;
} tally;

static _Thread_local tally *call_tally;
static _Thread_local int call_kind, call_caller;
static _Thread_local long call_first, call_crash;
static _Thread_local unsigned call_expect; /* FN_TOGETHER: workers to wait for */

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Counts this call in this process's slot; true on its first call. */
static bool count_call(tally *t)
{
    int me = (int)getpid();
    atomic_fetch_add(&t->calls, 1);
    if (me == call_caller)
        atomic_fetch_add(&t->in_caller, 1);
    for (size_t k = 0; k < sizeof t->pid / sizeof t->pid[0]; k++) {
        int seen = atomic_load(&t->pid[k]);
        if (seen == 0 && atomic_compare_exchange_strong(&t->pid[k], &seen, me))
            seen = me;
        if (seen == me)
            return atomic_fetch_add(&t->items[k], 1) == 0;
    }
    return false;
}

/* fn(in[0]) returns only once another worker has entered fn a second time
 * (so its first result has been sent), at most 2 s, and 20 ms more. */
static void first_waits(tally *t)
{
    int me = (int)getpid();
    bool seen = false;
    for (int ms = 0; ms < 2000 && !seen; ms++) {
        for (size_t k = 0; k < sizeof t->pid / sizeof t->pid[0] && !seen; k++) {
            int pid = atomic_load(&t->pid[k]);
            seen = pid != 0 && pid != me && atomic_load(&t->items[k]) >= 2;
        }
        if (!seen)
            sleep_ms(1);
    }
    sleep_ms(20);
}

static long grader_fn(long x)
{
    bool first = count_call(call_tally);
    if (call_kind == FN_FIRST_SLOW && x == call_first)
        first_waits(call_tally);
    if (call_kind == FN_CRASHES && x == call_crash) {
        signal(SIGSEGV, SIG_DFL); /* not the grader's crash handler: it is meant */
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGSEGV);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        raise(SIGSEGV);
        _exit(99);
    }
    if (call_kind == FN_TOGETHER && first) {
        /* Wait (once, at most 2 s in all) until every worker is inside fn. */
        atomic_fetch_add(&call_tally->inside, 1);
        for (int ms = 0; ms < 2000 && atomic_load(&call_tally->inside) < call_expect &&
                         !atomic_load(&call_tally->missed); ms++)
            sleep_ms(1);
        if (atomic_load(&call_tally->inside) < call_expect)
            atomic_store(&call_tally->missed, 1);
    }
    return value_of(x);
}

/* The watch over a call whose fn crashes a worker. */
typedef struct watch {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done, fired;
} watch;

static void *watch_call(void *p)
{
    watch *w = p;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 3;
    pthread_mutex_lock(&w->mu);
    while (!w->done)
        if (pthread_cond_timedwait(&w->cv, &w->mu, &until) == ETIMEDOUT)
            break;
    if (!w->done) {
        w->fired = true;
        remote_children_reap(); /* ends the workers: maybe the hang too */
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static void fill_report(pool_report *r, const tally *t)
{
    remote_procs b = remote_procs_read();
    r->forks = b.forks;
    r->alive_max = b.alive_max;
    r->alive_after = b.alive;
    r->fn_calls = atomic_load(&t->calls);
    r->fn_in_caller = atomic_load(&t->in_caller);
    r->together = call_kind == FN_TOGETHER && !atomic_load(&t->missed) &&
                  atomic_load(&t->inside) >= call_expect;
    for (size_t k = 0; k < sizeof t->pid / sizeof t->pid[0]; k++) {
        if (atomic_load(&t->pid[k]) == 0)
            break;
        unsigned items = atomic_load(&t->items[k]);
        if (r->fn_pids++ == 0 || items < r->fn_min)
            r->fn_min = items;
    }
}

/* arg: workers, n, kind, seed, crash_at. */
static uint64_t do_map(remote_args *a)
{
    size_t workers = (size_t)a->arg[0], n = (size_t)a->arg[1];
    int kind = (int)a->arg[2];
    uint64_t seed = a->arg[3];
    size_t crash_at = (size_t)a->arg[4];
    pool_report r;
    memset(&r, 0, sizeof r);
    size_t out_len = sizeof r + n * sizeof(int64_t);
    long *in = malloc((n ? n : 1) * sizeof *in), *out = malloc((n ? n : 1) * sizeof *out);
    tally *t = mmap(NULL, sizeof *t, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    watch w = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false };
    pthread_t watcher;
    bool watching = false;
    if (n > MAX_ITEMS || workers > MAX_WORKERS || kind < 0 || kind >= FN_KINDS || !in || !out ||
        t == MAP_FAILED || a->out_cap < out_len) {
        r.spare = 1;
        goto done;
    }
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < n; i++) {
        in[i] = item_of(seed, i);
        out[i] = OUT_UNSET;
    }
    call_tally = t;
    call_kind = kind;
    call_caller = (int)getpid();
    call_first = n ? in[0] : 0;
    call_crash = crash_at < n ? in[crash_at] : 0;
    call_expect = (unsigned)(workers < n ? workers : n);
    if (kind == FN_CRASHES)
        watching = pthread_create(&watcher, NULL, watch_call, &w) == 0;

    remote_procs_reset();
    pid_t me = getpid();
    r.rc = procpool_map(workers, grader_fn, in, out, n);
    if (getpid() != me) {
        /* A worker came back out of procpool_map: count it, end now. */
        atomic_fetch_add(&t->returned, 1);
        _exit(0);
    }
    if (watching) {
        pthread_mutex_lock(&w.mu);
        w.done = true;
        pthread_cond_signal(&w.cv);
        pthread_mutex_unlock(&w.mu);
        pthread_join(watcher, NULL);
        r.hung = w.fired;
    }
    fill_report(&r, t);
    r.returned = atomic_load(&t->returned);
done:
    if (a->out_cap >= out_len) {
        memcpy(a->out, &r, sizeof r);
        for (size_t i = 0; i < n; i++) {
            int64_t v = out ? out[i] : OUT_UNSET;
            memcpy(a->out + sizeof r + i * sizeof v, &v, sizeof v);
        }
        a->out_len = out_len;
    }
    if (t != MAP_FAILED)
        munmap(t, sizeof *t);
    free(in);
    free(out);
    return 0;
}

static uint64_t do_look(remote_args *a)
{
    remote_children c = remote_children_look();
    children_seen out = { c.children, c.zombies };
    if (a->out_cap >= sizeof out) {
        memcpy(a->out, &out, sizeof out);
        a->out_len = sizeof out;
    }
    return 0;
}

static uint64_t do_reap(remote_args *a)
{
    (void)a;
    return remote_children_reap();
}

REMOTE_FUNCTIONS(do_map, do_look, do_reap);
/* No function may leave a thread running, detached, or a mutex held. */
REMOTE_LEAVES();
#endif
