/* judge.c - the main() of a test's judge process, and what the tests call.
 *
 * The judge is trusted: the lesson's tests (Check, a fork per test), their
 * assertions and the verdict. It never maps the student's code; the API's
 * functions (test_remote.c with REMOTE_JUDGE) send each call to the subject
 * (subject.c) and return what came back. The grader starts it per test:
 *
 *     judge --list                      the tests: "test NAME CATEGORY TIMEOUT_MS public|hidden"
 *     judge --run NAME --seed S --flavour plain|tsan --control FD --result FD --timeout MS
 *           [--witness FD]              (the sandbox's witness: witness.c)
 *           [--bench-extra-trips N]     (N no-op round trips before each
 *                                        call and callback answer: what a
 *                                        trip costs, for bench-split-share.sh)
 *           [--bench-event-copy]        (the subject sends each asynchronous
 *                                        callback's EVENT twice, the copy to
 *                                        a reader that drops it: what an
 *                                        event costs, for the same script)
 *
 * and reads one record on FD --result: "pass NAME" or "fail NAME FILE:LINE
 * MESSAGE". Nothing from the subject reaches that record but through the
 * test's own checks.
 *
 * Threads: each judge thread that calls the API is bound to one subject
 * thread (a channel, made on its first call). A thread a test starts with
 * pthread_create (wrapped at link time: -Wl,--wrap=pthread_create) gets its
 * channel at once when its creator has one, so the subject knows the new
 * thread's calls follow the creator's; after pthread_join the joiner's next
 * call follows the joined thread's. Callbacks from threads the student's
 * code started arrive on channels of their own (NEWCHAN), each answered by a
 * judge thread that runs the test's function.
 */
#include "harness.h"
#include "witness_wire.h"
#include "remote.h"
#include "rpc.h"
#include "splitmix64.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

extern const graded_test public_tests[];
extern const graded_test hidden_tests[] __attribute__((weak));

static uint64_t seed, rand_state;
static bool under_tsan;
static int control_fd = -1, result_fd = -1;
static long subject_pid; /* in our pid namespace, from the kernel (SCM_CREDENTIALS) */

/* ---- helpers for tests ------------------------------------------------ */

uint64_t harness_seed(void) { return seed; }
uint64_t harness_rand(void) { return splitmix64_next(&rand_state); }
bool harness_under_tsan(void) { return under_tsan; }

/* The judge's own waits (polls, bounds, the end of a test) are real time,
 * whatever the test's clock. */
static double real_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void real_sleep_ms(double ms)
{
    struct timespec ts = { (time_t)(ms / 1e3), (long)((ms - (time_t)(ms / 1e3) * 1e3) * 1e6) };
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

/* harness_virtual_time: the test's clock is the subject's virtual one. */
static atomic_bool virtual_time;
static atomic_uint spawns_sent; /* SPAWNs sent (a CALL's pad, rpc.h) */

double harness_now_ms(void)
{
    if (!atomic_load_explicit(&virtual_time, memory_order_relaxed))
        return real_now_ms();
    return (double)REMOTE_CALL0(RPC_FN_VT_NOW) / 1e6;
}

void harness_sleep_ms(double ms)
{
    if (!atomic_load_explicit(&virtual_time, memory_order_relaxed))
        real_sleep_ms(ms);
    else if (ms > 0)
        REMOTE_CALL(RPC_FN_VT_SLEEP, (uint64_t)(ms * 1e6));
}

void harness_virtual_time(bool on)
{
    REMOTE_CALL(RPC_FN_VIRTUAL_TIME, on);
    atomic_store(&virtual_time, on);
}

/* This thread is about to join test thread t: under virtual time its stub
 * then counts as blocked while t's stub serves t (until its next call). */
static void park_stub(pthread_t t);

struct harness_gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned n, arrived, generation;
};

harness_gate *harness_gate_new(unsigned n)
{
    harness_gate *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, &ca);
    pthread_condattr_destroy(&ca);
    g->n = n;
    return g;
}

bool harness_gate_wait(harness_gate *g, unsigned ms)
{
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    dl.tv_sec += ms / 1000;
    dl.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&g->mu);
    unsigned gen = g->generation;
    bool ok = true;
    if (++g->arrived == g->n) {
        g->arrived = 0;
        g->generation++;
        pthread_cond_broadcast(&g->cv);
    } else {
        while (gen == g->generation && ok)
            ok = pthread_cond_timedwait(&g->cv, &g->mu, &dl) != ETIMEDOUT;
        if (!ok && gen == g->generation)
            g->arrived--; /* leave the count as it was for later waiters */
        else
            ok = true;
    }
    pthread_mutex_unlock(&g->mu);
    return ok;
}

void harness_gate_free(harness_gate *g)
{
    if (!g)
        return;
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
    free(g);
}

/* A limit is limit_ms of real time in which the waiter also woke at least
 * once per 4 ms on average (naps): on a machine so loaded that the waiter
 * cannot wake every few milliseconds, the run's threads are kept waiting
 * for a CPU too, and the wait goes on. (A run starved alone, its cgroup
 * behind the others, is not seen here: the sandbox's witness could read
 * the subject's run delay; not done yet.) */
harness_patience harness_patience_start(unsigned limit_ms)
{
    return (harness_patience){ real_now_ms(), 0, limit_ms };
}

bool harness_patience_count(harness_patience *p)
{
    if (real_now_ms() - p->t0 > p->limit_ms && p->naps >= p->limit_ms / 4)
        return false;
    p->naps++;
    return true;
}

bool harness_patience_nap(harness_patience *p)
{
    if (!harness_patience_count(p))
        return false;
    real_sleep_ms(2);
    return true;
}

bool harness_watch_progress(atomic_bool *done, atomic_long *progress, unsigned stall_ms,
                            long *last)
{
    long seen = atomic_load(progress);
    harness_patience wait = harness_patience_start(stall_ms);
    while (!atomic_load(done)) {
        long now = atomic_load(progress);
        if (now != seen) {
            seen = now;
            wait = harness_patience_start(stall_ms);
        } else if (!harness_patience_nap(&wait)) {
            *last = seen;
            return false;
        }
    }
    *last = atomic_load(progress);
    return true;
}

/* ---- the test's own helper threads ------------------------------------- */

/* Only the test's own thread touches this list (harness.h says so). */
typedef struct helper_thread {
    pthread_t thread;
    bool done; /* joined or abandoned */
} helper_thread;
static helper_thread helpers[HARNESS_THREADS_MAX];
static size_t nhelpers;

int harness_thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
    if (nhelpers == HARNESS_THREADS_MAX)
        return EAGAIN;
    int err = pthread_create(t, NULL, fn, arg);
    if (err == 0)
        helpers[nhelpers++] = (helper_thread){ *t, false };
    return err;
}

void harness_thread_join(pthread_t t)
{
    for (size_t i = 0; i < nhelpers; i++)
        if (!helpers[i].done && pthread_equal(helpers[i].thread, t)) {
            pthread_join(t, NULL);
            helpers[i].done = true;
            return;
        }
}

void harness_abandon_threads(void)
{
    for (size_t i = 0; i < nhelpers; i++)
        if (!helpers[i].done) {
            pthread_detach(helpers[i].thread);
            helpers[i].done = true;
        }
}

/* ---- channels to the subject ---------------------------------------------- */

typedef struct jchan {
    int fd;
    uint32_t id;
    atomic_int tid; /* the subject thread's id, in the subject's pid namespace */
    bool ready;     /* its READY was read (only the thread using it reads it) */
    /* For harness_wait_asleep (bound channels only): the judge thread that
     * calls on this channel (its id in our /proc; 0: none now), and whether
     * it waits for the answer to a CALL it sent (not while it runs a callback). */
    atomic_int judge_tid;
    atomic_bool in_call;
    struct jchan *next; /* bound channels, newest first */
} jchan;

static jchan *bound_chans;
static pthread_mutex_t bound_mu = PTHREAD_MUTEX_INITIALIZER;

static __thread jchan *my_chan;
static __thread uint32_t pending[RPC_MAX_ACQUIRE];
static __thread uint32_t npending; /* RPC_ACQUIRE_ALL: every channel */
static atomic_uint next_chan_id = 1;
static pthread_once_t reader_once = PTHREAD_ONCE_INIT;

/* The test cannot go on: the subject stopped answering. What happened to it
 * (a crash, a deadlock the engine stopped, an exit) is in the grader's
 * evidence, which takes precedence over this message. */
#define GONE_PREFIX "the program under test stopped"
static _Noreturn void subject_gone(const char *during)
{
    ck_abort_msg(GONE_PREFIX " while the test waited for %s (it crashed, deadlocked or exited)",
                 during);
    abort(); /* not reached */
}

static __thread uint32_t batch_fn; /* a batch's first function, for messages */

static const char *fn_name(uint32_t fn)
{
    if (fn == RPC_FN_BATCH)
        fn = batch_fn;
    static const char *const engine[] = { "harness_live_threads", "harness_threads_created",
                                          "harness_fail_create",  "harness_interleave",
                                          "a batch",              "harness_virtual_time",
                                          "harness_now_ms",       "harness_sleep_ms",
                                          "a join (virtual time)", "harness_unjoined_threads",
                                          "harness_fd_mark",      "harness_fds_where",
                                          "harness_children_where" };
    if (fn >= RPC_FN_ENGINE)
        return fn - RPC_FN_ENGINE < sizeof engine / sizeof engine[0] ? engine[fn - RPC_FN_ENGINE]
                                                                     : "the engine";
    return fn < remote_function_count ? remote_function_names[fn] : "a function";
}

static void *control_reader(void *arg);

/* --bench-event-copy: the subject sends a copy of every EVENT to a socket
 * of its own, read here and dropped, so that a benchmark can see what an
 * event costs in a real grading: the same message, sent by the same thread,
 * to a reader that reads as the control reader does (read_in_runs). */
static bool bench_event_copy;

static void *event_sink(void *arg);

static void start_reader(void)
{
    pthread_t t;
    extern int __real_pthread_create(pthread_t *, const pthread_attr_t *, void *(*)(void *),
                                     void *);
    if (__real_pthread_create(&t, NULL, control_reader, NULL) == 0)
        pthread_detach(t);
    int sv[2];
    rpc_msg *m = bench_event_copy ? rpc_buffer() : NULL;
    if (!m || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        rpc_buffer_done(m);
        return;
    }
    if (__real_pthread_create(&t, NULL, event_sink, (void *)(intptr_t)sv[0]) == 0) {
        pthread_detach(t);
        rpc_init(m, RPC_BENCH_SINK);
        (void)rpc_send(control_fd, m, sv[1]);
    } else {
        close(sv[0]);
    }
    close(sv[1]);
    rpc_buffer_done(m);
}

/* A new channel served by a new subject thread whose calls follow `parent`'s. */
static jchan *spawn_chan(uint32_t parent)
{
    pthread_once(&reader_once, start_reader);
    int sv[2];
    jchan *c = calloc(1, sizeof *c);
    rpc_msg *m = rpc_buffer();
    if (!c || !m || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        ck_abort_msg("the judge could not make a channel: %s", strerror(errno));
    c->fd = sv[0];
    c->id = atomic_fetch_add(&next_chan_id, 1);
    rpc_init(m, RPC_SPAWN);
    m->nargs = 2;
    m->args[0] = c->id;
    m->args[1] = parent;
    int sent = rpc_send(control_fd, m, sv[1]);
    close(sv[1]);
    rpc_buffer_done(m);
    if (sent != 0)
        subject_gone("a new thread to start");
    atomic_fetch_add(&spawns_sent, 1);
    /* Its READY is read by the thread that uses the channel, before its
     * first call (await_ready): the creator does not wait for it. */
    pthread_mutex_lock(&bound_mu);
    c->next = bound_chans;
    bound_chans = c;
    pthread_mutex_unlock(&bound_mu);
    return c;
}

/* The subject thread of `c` is up: its READY (with its tid) was read. */
static void await_ready(jchan *c)
{
    if (c->ready)
        return;
    rpc_msg *m = rpc_buffer();
    if (!m || rpc_recv(c->fd, m, NULL, NULL) != 0 || m->kind != RPC_READY || m->nargs < 1) {
        rpc_buffer_done(m);
        subject_gone("a new thread to start");
    }
    atomic_store(&c->tid, (int)m->args[0]);
    c->ready = true;
    rpc_buffer_done(m);
}

static jchan *binding(void)
{
    if (!my_chan) {
        my_chan = spawn_chan(0);
        atomic_store(&my_chan->judge_tid, (int)syscall(SYS_gettid));
    }
    return my_chan;
}

/* ---- callbacks ------------------------------------------------------------ */

#define MAX_CALLBACKS 256
/* A callback travels as its index here; the subject can only name one the
 * test registered, and only the way it was registered: an EVENT for a
 * callback that holds the student's thread (and the reverse) is refused. */
typedef struct callback {
    remote_any_fn fn;
    remote_invoker invoke;
    bool async;
} callback;
static callback callbacks[MAX_CALLBACKS];
static size_t ncallbacks;
static pthread_mutex_t callbacks_mu = PTHREAD_MUTEX_INITIALIZER;

static uint64_t register_callback(remote_any_fn fn, remote_invoker invoke, bool async)
{
    pthread_mutex_lock(&callbacks_mu);
    size_t i;
    for (i = 0; i < ncallbacks; i++)
        if (callbacks[i].fn == fn && callbacks[i].invoke == invoke &&
            callbacks[i].async == async)
            break;
    if (i == ncallbacks && ncallbacks < MAX_CALLBACKS)
        callbacks[ncallbacks++] = (callback){ fn, invoke, async };
    pthread_mutex_unlock(&callbacks_mu);
    if (i == MAX_CALLBACKS)
        ck_abort_msg("the test registered more than %d callbacks", MAX_CALLBACKS);
    return async ? i | RPC_CB_ASYNC : i;
}

uint64_t remote_callback(remote_any_fn fn, remote_invoker invoke)
{
    return register_callback(fn, invoke, false);
}

uint64_t remote_callback_async(remote_any_fn fn, remote_invoker invoke)
{
    return register_callback(fn, invoke, true);
}

/* While an asynchronous callback runs (on the control reader): the tid of
 * the student's thread that made it. */
static __thread int event_tid;
static atomic_ulong events_done; /* asynchronous callbacks run so far */
static atomic_bool reader_gone;

int judge_event_tid(void) { return event_tid; }

int harness_thread_id(void)
{
    if (event_tid)
        return event_tid;
    jchan *c = binding();
    await_ready(c);
    return atomic_load(&c->tid);
}

/* An EVENT: the test's function, run here and now; its value is dropped. */
static void run_event(const rpc_msg *m)
{
    uint32_t id = m->fn & ~RPC_CB_ASYNC;
    pthread_mutex_lock(&callbacks_mu);
    callback cb = id < ncallbacks && callbacks[id].async ? callbacks[id] : (callback){ 0 };
    pthread_mutex_unlock(&callbacks_mu);
    if (cb.fn && m->nargs >= 1) {
        uint64_t args[RPC_MAX_ARGS];
        size_t nargs = m->nargs - 1;
        memcpy(args, m->args, nargs * sizeof args[0]);
        event_tid = (int)m->args[nargs];
        cb.invoke(cb.fn, args, nargs);
        event_tid = 0;
    }
    atomic_fetch_add(&events_done, 1);
}

/* After a RETURN that says `sent` EVENTs came before it: until they ran. */
static void await_events(uint64_t sent, uint32_t fn)
{
    while (atomic_load(&events_done) < sent) {
        if (atomic_load(&reader_gone))
            subject_gone(fn_name(fn));
        real_sleep_ms(0.02);
    }
}

/* --bench-extra-trips: this many no-op round trips on `c` before each call
 * and each callback's answer, so that a benchmark can see what the round
 * trips cost in a real grading (the grading's time with them, less without). */
static unsigned bench_extra_trips;

static __thread rpc_msg *bench_msg; /* this thread's, kept: freed at its exit */
static pthread_key_t bench_key;
static pthread_once_t bench_once = PTHREAD_ONCE_INIT;
static void make_bench_key(void) { pthread_key_create(&bench_key, free); }

static void bench_trips(jchan *c)
{
    if (!bench_extra_trips)
        return;
    if (!bench_msg) {
        pthread_once(&bench_once, make_bench_key);
        if (!(bench_msg = malloc(sizeof *bench_msg)))
            ck_abort_msg("out of memory for a benchmark's message");
        pthread_setspecific(bench_key, bench_msg);
    }
    rpc_msg *m = bench_msg;
    for (unsigned i = 0; i < bench_extra_trips; i++) {
        rpc_init(m, RPC_CALL);
        m->fn = RPC_FN_NOP;
        if (rpc_send(c->fd, m, -1) != 0 || rpc_recv(c->fd, m, NULL, NULL) != 0 ||
            m->kind != RPC_RETURN || m->fn != RPC_FN_NOP)
            subject_gone("a benchmark's no-op call");
    }
}

/* A CALLBACK came on `c`: run the test's function, answer with its value. */
static void run_callback(jchan *c, rpc_msg *m)
{
    pthread_mutex_lock(&callbacks_mu);
    callback cb = m->fn < ncallbacks && !callbacks[m->fn].async ? callbacks[m->fn] : (callback){ 0 };
    pthread_mutex_unlock(&callbacks_mu);
    if (!cb.fn) /* not an id we gave out */
        subject_gone("a call from the test's callback table");
    uint64_t args[RPC_MAX_ARGS];
    size_t nargs = m->nargs;
    memcpy(args, m->args, nargs * sizeof args[0]);
    uint64_t value = cb.invoke(cb.fn, args, nargs);
    bench_trips(c);
    rpc_init(m, RPC_CB_RETURN);
    m->nargs = 1;
    m->args[0] = value;
    if (rpc_send(c->fd, m, -1) != 0)
        subject_gone("the student's thread to go on after a callback");
}

/* A thread the student's code started calls back: this judge thread answers
 * on its channel until the channel ends. */
static atomic_uint serving; /* callback channels open now */

static void *callback_server(void *p)
{
    my_chan = p;
    rpc_msg *m = rpc_buffer();
    while (m && rpc_recv(my_chan->fd, m, NULL, NULL) == 0)
        if (m->kind == RPC_CALLBACK)
            run_callback(my_chan, m);
    rpc_buffer_done(m);
    close(my_chan->fd);
    atomic_fetch_sub(&serving, 1);
    return NULL;
}

/* The most channels of the student's threads the judge serves at once, one
 * judge thread each (a channel ends with its thread). The subject holds one
 * fd per open channel and may hold 256 fds (the sandbox's limit): more
 * NEWCHANs are a flood, and the judge, outside
 * the sandbox, must not start threads without end for it (the fd sent
 * along is closed: a student thread that called back on it sees the end). */
#define MAX_STUDENT_CHANS 1024
#define CALLBACK_STACK (256u << 10)

/* One message from the control channel: an EVENT is run, a NEWCHAN gets a
 * judge thread to serve it (attr: detached, CALLBACK_STACK). */
static void handle_control(const rpc_msg *m, int fd, const pthread_attr_t *attr)
{
    extern int __real_pthread_create(pthread_t *, const pthread_attr_t *, void *(*)(void *),
                                     void *);
    if (m->kind == RPC_EVENT) {
        if (fd >= 0)
            close(fd);
        run_event(m);
        return;
    }
    jchan *c = fd >= 0 && m->kind == RPC_NEWCHAN && m->nargs == 2 &&
                       atomic_load(&serving) < MAX_STUDENT_CHANS
                   ? calloc(1, sizeof *c)
                   : NULL;
    if (!c) {
        if (fd >= 0)
            close(fd);
        return;
    }
    c->fd = fd;
    c->id = (uint32_t)m->args[0];
    atomic_store(&c->tid, (int)m->args[1]);
    c->ready = true;
    pthread_t t;
    atomic_fetch_add(&serving, 1);
    if (__real_pthread_create(&t, attr, callback_server, c) != 0) {
        atomic_fetch_sub(&serving, 1);
        close(fd); /* the student's thread sees the end: the subject exits */
        free(c);
    }
}

/* Events come in runs (12-turns: a `say` every turn, from thread after
 * thread). A reader that waits on the socket is woken by each one, and on
 * this kind of machine a wake-up costs more than the message. So after an
 * event the reader naps EVENT_NAP_MS and then takes whatever came
 * meanwhile without waiting: a sender finds nobody to wake. It goes back
 * to waiting on the socket once a nap brought nothing. Events keep their
 * order (one reader, one queue) and run at most a nap late; a RETURN's
 * caller waits for the events before it anyway (await_events).
 * Reads fd until its end or a malformed message, passing each message to
 * handle (with its fd, which handle owns, and attr). */
#define EVENT_NAP_MS 1.0

static void read_in_runs(int fd, void (*handle)(const rpc_msg *, int, const pthread_attr_t *),
                         const pthread_attr_t *attr)
{
    rpc_msg *m = rpc_buffer();
    if (!m)
        return;
    bool events_running = false;
    for (;;) {
        int got_fd = -1, got;
        if (events_running) {
            real_sleep_ms(EVENT_NAP_MS);
            size_t taken = 0;
            while ((got = rpc_try_recv(fd, m, &got_fd)) == 0) {
                handle(m, got_fd, attr);
                got_fd = -1;
                taken++;
            }
            if (got < 0)
                break;
            events_running = taken > 0;
            continue;
        }
        if (rpc_recv(fd, m, &got_fd, NULL) != 0)
            break;
        events_running = m->kind == RPC_EVENT;
        handle(m, got_fd, attr);
    }
    rpc_buffer_done(m);
}

static void *control_reader(void *arg)
{
    (void)arg;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, CALLBACK_STACK);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    read_in_runs(control_fd, handle_control, &attr);
    pthread_attr_destroy(&attr);
    atomic_store(&reader_gone, true);
    return NULL;
}

/* --bench-event-copy's reader: drops each copy, reading as the control
 * reader does (a copy costs what an event costs). */
static void drop_copy(const rpc_msg *m, int fd, const pthread_attr_t *attr)
{
    (void)m, (void)attr;
    if (fd >= 0)
        close(fd);
}

static void *event_sink(void *arg)
{
    int fd = (int)(intptr_t)arg;
    read_in_runs(fd, drop_copy, NULL);
    close(fd);
    return NULL;
}

/* ---- calls -------------------------------------------------------------- */

typedef struct repeat_req {
    uint64_t times, stop;
    bool has_stop;
} repeat_req;
static __thread repeat_req next_repeat;
static __thread harness_repeat_result last_repeat;
/* The runs of this thread's last repeat: 64 KiB, made on the first repeat
 * (a static __thread array that size was memset for every judge thread,
 * callback servers included: 16 page faults each). */
static __thread harness_run *repeat_runs;
static pthread_key_t repeat_key;
static pthread_once_t repeat_once = PTHREAD_ONCE_INIT;
static void make_repeat_key(void) { pthread_key_create(&repeat_key, free); }

static harness_run *repeat_buffer(void)
{
    if (!repeat_runs) {
        pthread_once(&repeat_once, make_repeat_key);
        repeat_runs = malloc(RPC_MAX_RUNS * sizeof *repeat_runs);
        if (!repeat_runs)
            ck_abort_msg("out of memory for a repeat's results");
        pthread_setspecific(repeat_key, repeat_runs); /* freed at the thread's exit */
    }
    return repeat_runs;
}

void harness_repeat(uint64_t times) { next_repeat = (repeat_req){ times, 0, false }; }

void harness_repeat_until(uint64_t times, uint64_t stop_value)
{
    next_repeat = (repeat_req){ times, stop_value, true };
}

const harness_repeat_result *harness_repeat_results(void) { return &last_repeat; }

/* Sends the CALL in `m` on this thread's channel and waits for its RETURN,
 * running the callbacks that come meanwhile. `m` holds the RETURN after. */
static void call(rpc_msg *m)
{
    jchan *c = binding();
    await_ready(c);
    uint32_t fn = m->fn;
    m->nacquire = npending;
    if (npending != RPC_ACQUIRE_ALL)
        memcpy(m->acquire, pending, npending * sizeof pending[0]);
    npending = 0;
    bench_trips(c);
    m->pad = atomic_load(&spawns_sent);
    if (rpc_send(c->fd, m, -1) != 0)
        subject_gone(fn_name(fn));
    for (;;) {
        atomic_store(&c->in_call, true); /* after the send: the subject thread is awake */
        int got = rpc_recv(c->fd, m, NULL, NULL);
        atomic_store(&c->in_call, false);
        if (got != 0)
            subject_gone(fn_name(fn));
        if (m->kind == RPC_RETURN && m->fn == fn && m->nargs >= 2) {
            if (m->nargs >= 3)
                await_events(m->args[2], fn);
            return;
        }
        if (m->kind != RPC_CALLBACK)
            subject_gone(fn_name(fn));
        run_callback(c, m);
    }
}

/* Hot paths test with if and ck_abort_msg: a passing ck_assert costs a
 * write to Check's message file (its mark point).
 *
 * A batch being gathered on this thread (harness_batch_begin): the calls
 * not yet sent, in `msg`'s blob, and the values of those already made. */
typedef struct batch {
    bool on;
    rpc_msg *msg;
    size_t queued, made;
    uint64_t values[HARNESS_BATCH_MAX];
} batch;
static __thread batch cur_batch;

void harness_batch_begin(void)
{
    batch *b = &cur_batch;
    if (b->on)
        ck_abort_msg("harness_batch_begin twice without harness_batch_end");
    b->on = true;
    b->queued = b->made = 0;
}

/* Sends the queued calls and keeps their values. */
static void batch_flush(batch *b)
{
    if (!b->queued)
        return;
    rpc_msg *m = b->msg;
    call(m);
    size_t made = (size_t)m->args[1];
    if (made != b->queued || m->blob_len != made * sizeof(uint64_t))
        subject_gone(fn_name(RPC_FN_BATCH));
    memcpy(b->values + b->made, m->blob, m->blob_len);
    b->made += made;
    b->queued = 0;
    rpc_buffer_done(m);
    b->msg = NULL;
}

/* Queues one call of a batch; a full message is sent first. */
static void batch_add(batch *b, uint32_t fn, size_t nargs, const uint64_t *args)
{
    size_t need = sizeof(rpc_batch_call) + nargs * sizeof(uint64_t);
    if (b->msg && b->msg->blob_len + need > RPC_MAX_BLOB)
        batch_flush(b);
    if (b->made + b->queued >= HARNESS_BATCH_MAX)
        ck_abort_msg("a batch of more than %d calls", HARNESS_BATCH_MAX);
    if (!b->msg) {
        if (!(b->msg = rpc_buffer()))
            ck_abort_msg("out of memory for a batch of calls");
        rpc_init(b->msg, RPC_CALL);
        b->msg->fn = RPC_FN_BATCH;
        batch_fn = fn;
    }
    rpc_batch_call c = { fn, (uint32_t)nargs };
    memcpy(b->msg->blob + b->msg->blob_len, &c, sizeof c);
    memcpy(b->msg->blob + b->msg->blob_len + sizeof c, args, nargs * sizeof(uint64_t));
    b->msg->blob_len += (uint32_t)need;
    b->queued++;
}

const uint64_t *harness_batch_end(size_t *n)
{
    batch *b = &cur_batch;
    if (!b->on)
        ck_abort_msg("harness_batch_end without harness_batch_begin");
    batch_flush(b);
    b->on = false;
    if (n)
        *n = b->made;
    return b->values;
}

uint64_t remote_call_bytes(uint32_t fn, size_t nargs, const uint64_t *args, const void *in,
                           size_t in_len, void *out, size_t out_cap, size_t *out_len)
{
    if (cur_batch.on && fn < RPC_FN_ENGINE) {
        if (in_len || out || next_repeat.times || nargs > RPC_MAX_ARGS)
            ck_abort_msg("%s cannot be batched (bytes or a repeat)", fn_name(fn));
        batch_add(&cur_batch, fn, nargs, args);
        return 0;
    }
    rpc_msg *m = rpc_buffer();
    if (!m || nargs > RPC_MAX_ARGS || in_len > RPC_MAX_BLOB)
        ck_abort_msg("the test's call to %s is too large for the channel", fn_name(fn));
    rpc_init(m, RPC_CALL);
    m->fn = fn;
    m->nargs = (uint32_t)nargs;
    if (nargs)
        memcpy(m->args, args, nargs * sizeof args[0]);
    if (in_len)
        memcpy(m->blob, in, in_len);
    m->blob_len = (uint32_t)in_len;
    repeat_req r = next_repeat;
    next_repeat = (repeat_req){ 0 };
    m->repeat = r.times;
    m->stop = r.stop;
    m->has_stop = r.has_stop;
    call(m);
    uint64_t value = m->args[0];
    harness_run *runs = r.times >= 1 ? repeat_buffer() : NULL;
    if (r.times > 1) {
        /* Every result, checked: the runs must add up to the calls made. */
        size_t n = m->blob_len / sizeof(rpc_run);
        uint64_t total = 0;
        for (size_t i = 0; i < n; i++) {
            rpc_run run;
            memcpy(&run, m->blob + i * sizeof run, sizeof run);
            runs[i] = (harness_run){ run.value, run.count }; /* n <= RPC_MAX_RUNS */
            total += run.count;
        }
        if (total != m->args[1] || m->args[1] > r.times || m->blob_len % sizeof(rpc_run))
            subject_gone(fn_name(fn));
        last_repeat = (harness_repeat_result){ m->args[1], n, runs };
    } else if (r.times == 1) { /* a repeat of one: its one result */
        runs[0] = (harness_run){ value, 1 };
        last_repeat = (harness_repeat_result){ 1, 1, runs };
    } else if (out) {
        size_t n = m->blob_len < out_cap ? m->blob_len : out_cap;
        memcpy(out, m->blob, n);
        if (out_len)
            *out_len = n;
    }
    rpc_buffer_done(m);
    return value;
}

uint64_t remote_call(uint32_t fn, size_t nargs, const uint64_t *args)
{
    return remote_call_bytes(fn, nargs, args, NULL, 0, NULL, 0, NULL);
}

int harness_live_threads(void) { return (int)REMOTE_CALL0(RPC_FN_LIVE_THREADS); }
int harness_threads_created(void) { return (int)REMOTE_CALL0(RPC_FN_THREADS_CREATED); }
int harness_unjoined_threads(void) { return (int)REMOTE_CALL0(RPC_FN_UNJOINED_THREADS); }

uint64_t harness_fd_mark(void) { return REMOTE_CALL0(RPC_FN_FD_MARK); }

/* A text answer (leftovers.c), in the calling thread's buffer: what fits,
 * always terminated (the subject's bytes are never trusted to end). */
static const char *where_text(uint32_t fn, uint64_t arg)
{
    static __thread char text[1024];
    size_t len = 0;
    remote_call_bytes(fn, 1, &arg, NULL, 0, text, sizeof text - 1, &len);
    text[len < sizeof text ? len : sizeof text - 1] = '\0';
    return text;
}

const char *harness_fds_where(uint64_t mark) { return where_text(RPC_FN_FDS_LEFT, mark); }
const char *harness_children_where(void) { return where_text(RPC_FN_CHILDREN_LEFT, 0); }
void harness_fail_create(int n, int err)
{
    REMOTE_CALL(RPC_FN_FAIL_CREATE, (uint64_t)(int64_t)n, (uint64_t)err);
}
int harness_fail_create_seeded(int lo, int hi, int err)
{
    if (hi < lo)
        hi = lo;
    int k = lo + (int)(harness_rand() % (uint64_t)(hi - lo + 1));
    REMOTE_CALL(RPC_FN_FAIL_CREATE, (uint64_t)(int64_t)k, (uint64_t)err, 1);
    return k;
}
void harness_interleave(bool on) { REMOTE_CALL(RPC_FN_INTERLEAVE, on); }

static uint32_t chan_of_started(pthread_t t);

static void park_stub(pthread_t t)
{
    if (!atomic_load_explicit(&virtual_time, memory_order_relaxed) || !my_chan)
        return;
    uint32_t id = chan_of_started(t);
    if (id) /* else t has no stub: the clock waits while this one is idle */
        REMOTE_CALL(RPC_FN_VT_PARK, id);
}

/* ---- the test's threads and the subject's ----------------------------------- */

int __real_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
                          void *arg);
int __real_pthread_join(pthread_t t, void **ret);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
                          void *arg);
int __wrap_pthread_join(pthread_t t, void **ret);

typedef struct start {
    void *(*fn)(void *);
    void *arg;
    jchan *chan;
} start;

/* Which test thread has which channel, for joins. */
#define MAX_STARTED 8192
static struct {
    pthread_t thread;
    uint32_t chan;
} started[MAX_STARTED];
static size_t nstarted;
static pthread_mutex_t started_mu = PTHREAD_MUTEX_INITIALIZER;

static void *start_thread(void *p)
{
    start s = *(start *)p;
    free(p);
    my_chan = s.chan;
    if (my_chan)
        atomic_store(&my_chan->judge_tid, (int)syscall(SYS_gettid));
    void *r = s.fn(s.arg);
    /* Its subject thread ends with it (the channel's id lives on for joins). */
    if (my_chan) {
        atomic_store(&my_chan->judge_tid, 0);
        close(my_chan->fd);
    }
    return r;
}

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
                          void *arg)
{
    start *s = malloc(sizeof *s);
    if (!s)
        return EAGAIN;
    /* A thread started by one that has called the API: its calls follow
     * the creator's, so its channel is made now, from the creator's. */
    *s = (start){ fn, arg, my_chan ? spawn_chan(my_chan->id) : NULL };
    int err = __real_pthread_create(t, attr, start_thread, s);
    if (err != 0) {
        free(s);
        return err;
    }
    uint32_t id = s->chan ? s->chan->id : 0;
    if (id) {
        pthread_mutex_lock(&started_mu);
        if (nstarted < MAX_STARTED) {
            started[nstarted].thread = *t;
            started[nstarted++].chan = id;
        }
        pthread_mutex_unlock(&started_mu);
    }
    return 0;
}

/* After a join, this thread's next call follows the joined thread's calls. */
static void follow(uint32_t id)
{
    if (npending == RPC_ACQUIRE_ALL)
        return;
    if (npending == RPC_MAX_ACQUIRE)
        npending = RPC_ACQUIRE_ALL;
    else
        pending[npending++] = id;
}

static uint32_t chan_of_started(pthread_t t)
{
    uint32_t id = 0;
    pthread_mutex_lock(&started_mu);
    for (size_t i = 0; i < nstarted && !id; i++)
        if (started[i].chan && pthread_equal(started[i].thread, t))
            id = started[i].chan;
    pthread_mutex_unlock(&started_mu);
    return id;
}

int __wrap_pthread_join(pthread_t t, void **ret)
{
    park_stub(t);
    int err = __real_pthread_join(t, ret);
    if (err != 0)
        return err;
    uint32_t id = 0;
    pthread_mutex_lock(&started_mu);
    for (size_t i = 0; i < nstarted; i++)
        if (started[i].chan && pthread_equal(started[i].thread, t)) {
            id = started[i].chan;
            started[i].chan = 0;
            break;
        }
    pthread_mutex_unlock(&started_mu);
    if (id)
        follow(id);
    return 0;
}

/* ---- observing the subject's threads --------------------------------------- */

int harness_gettid(void)
{
    jchan *c = binding();
    await_ready(c);
    return atomic_load(&c->tid);
}

/* The directory of subject thread `tid` (its id in the subject's namespace)
 * under /proc, found through each task's NSpid line; "" if gone. */
static void task_dir(int tid, char *out, size_t len)
{
    out[0] = '\0';
    char dirpath[64];
    snprintf(dirpath, sizeof dirpath, "/proc/%ld/task", subject_pid);
    DIR *d = subject_pid > 0 ? opendir(dirpath) : NULL;
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) && !out[0]) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char path[400], buf[2048];
        snprintf(path, sizeof path, "%s/%s/status", dirpath, e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        char *ns = strstr(buf, "\nNSpid:");
        if (!ns)
            continue;
        char *eol = strchr(ns + 1, '\n');
        if (eol)
            *eol = '\0';
        char *last = strrchr(ns, '\t');
        if (last && atoi(last + 1) == tid)
            snprintf(out, len, "%s/%s", dirpath, e->d_name);
    }
    closedir(d);
}

/* The state letter of a subject thread (R, S, D, ..), or 0 if gone. */
static char thread_state(const char *dir)
{
    char path[160], buf[512];
    if (strlen(dir) > 100)
        return 0;
    snprintf(path, sizeof path, "%s/stat", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *paren = strrchr(buf, ')'); /* the name in parentheses may hold spaces */
    return paren && paren[1] == ' ' ? paren[2] : 0;
}

/* The bound channel whose subject thread is `tid` (the newest: ids are reused). */
static jchan *bound_chan(int tid)
{
    pthread_mutex_lock(&bound_mu);
    jchan *c = bound_chans;
    while (c && atomic_load(&c->tid) != tid)
        c = c->next;
    pthread_mutex_unlock(&bound_mu);
    return c;
}

/* Subject thread `dir` (of channel `c`, may be NULL) sleeps inside a call.
 * A bound subject thread also sleeps between calls, waiting for the next
 * one; so when its judge thread is known, that thread must have sent a CALL
 * (which wakes the subject thread) before the look and still be asleep
 * waiting for its answer after it (an answer would wake it). */
static bool asleep_in_call(const char *dir, jchan *c)
{
    if (c && !atomic_load(&c->in_call))
        return false;
    if (!dir[0] || thread_state(dir) != 'S')
        return false;
    if (!c)
        return true;
    char judge_dir[64];
    int jtid = atomic_load(&c->judge_tid);
    snprintf(judge_dir, sizeof judge_dir, "/proc/self/task/%d", jtid);
    return jtid > 0 && thread_state(judge_dir) == 'S' && atomic_load(&c->in_call);
}

bool harness_wait_asleep(const int tids[], size_t n, unsigned quiet_ms, unsigned max_ms)
{
    char(*dirs)[96] = calloc(n ? n : 1, sizeof *dirs);
    jchan **chans = calloc(n ? n : 1, sizeof *chans);
    if (!dirs || !chans) {
        free(dirs);
        free(chans);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        task_dir(tids[i], dirs[i], sizeof dirs[i]);
        chans[i] = bound_chan(tids[i]);
    }
    double start = real_now_ms(), quiet_since = start;
    bool ok;
    for (;;) {
        bool all = true;
        for (size_t i = 0; i < n && all; i++)
            all = asleep_in_call(dirs[i], chans[i]);
        double now = real_now_ms();
        if (!all)
            quiet_since = now;
        else if (now - quiet_since >= quiet_ms) {
            ok = true;
            break;
        }
        if (now - start > max_ms) {
            ok = false;
            break;
        }
        real_sleep_ms(2);
    }
    free(dirs);
    free(chans);
    return ok;
}

bool harness_wait_exited(const int tids[], size_t n, unsigned max_ms)
{
    double start = real_now_ms();
    for (;;) {
        bool all = true;
        for (size_t i = 0; i < n && all; i++) {
            char dir[96];
            task_dir(tids[i], dir, sizeof dir);
            all = !dir[0];
        }
        if (all)
            return true;
        if (real_now_ms() - start > max_ms)
            return false;
        real_sleep_ms(1);
    }
}

/* ---- running ------------------------------------------------------------- */

static void result_printf(const char *fmt, ...)
{
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n;
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    for (size_t i = 0; i < len; i++) /* one record is one line */
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    line[len++] = '\n';
    FILE *out = result_fd >= 0 ? fdopen(result_fd, "w") : stdout;
    if (out) {
        fwrite(line, 1, len, out);
        fflush(out);
    }
}

static const graded_test *find_test(const char *name)
{
    const graded_test *tables[] = { public_tests, hidden_tests };
    for (size_t t = 0; t < 2; t++)
        for (const graded_test *g = tables[t]; g && g->name; g++)
            if (strcmp(g->name, name) == 0)
                return g;
    return NULL;
}

static void list_tests(void)
{
    const graded_test *tables[] = { public_tests, hidden_tests };
    const char *vis[] = { "public", "hidden" };
    for (size_t t = 0; t < 2; t++)
        for (const graded_test *g = tables[t]; g && g->name; g++)
            printf("test %s %s %u %s%s\n", g->name, g->category, g->timeout_ms, vis[t],
                   g->virtual_time ? " virtual" : "");
    printf("end\n");
}

/* The subject says HELLO first; the kernel says who sent it. */
static bool await_subject(unsigned ms)
{
    struct pollfd p = { control_fd, POLLIN, 0 };
    double end = real_now_ms() + ms;
    int ready;
    do /* a signal does not end the wait */
        ready = poll(&p, 1, (int)(end - real_now_ms() > 0 ? end - real_now_ms() : 0));
    while (ready < 0 && errno == EINTR);
    if (ready != 1)
        return false;
    rpc_msg *m = rpc_buffer();
    bool ok = m && rpc_recv(control_fd, m, NULL, &subject_pid) == 0 && m->kind == RPC_HELLO;
    rpc_buffer_done(m);
    return ok;
}

/* The test is over: the subject exits; its records are then all written. */
static void finish_subject(unsigned ms)
{
    rpc_msg *m = rpc_buffer();
    if (!m)
        return;
    rpc_init(m, RPC_FINISH);
    if (rpc_send(control_fd, m, -1) == 0) {
        double end = real_now_ms() + ms;
        for (;;) {
            struct pollfd p = { control_fd, POLLIN, 0 };
            double left = end - real_now_ms();
            if (left <= 0 || poll(&p, 1, (int)left) != 1 || rpc_recv(control_fd, m, NULL, NULL) != 0)
                break;
        }
    }
    rpc_buffer_done(m);
}

/* Check runs the test in a child of its own, in a process group of its
 * own: the grader's kill of the judge's group misses it. It dies with us. */
static pid_t judge_pid;
static unsigned hello_wait_ms;
/* Check's child is made while the subject starts (the fork and Check's
 * files are off the critical path); it waits for the subject's HELLO. */
static const graded_test *running_test;
static void in_check_child(void)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != judge_pid)
        _exit(1);
    if (!await_subject(hello_wait_ms))
        ck_abort_msg(GONE_PREFIX " before the test began: it did not start");
    if (running_test->virtual_time) /* GRADED_VIRTUAL: from the first line on */
        harness_virtual_time(true);
}

static void run_test(const graded_test *g, unsigned timeout_ms)
{
    Suite *s = suite_create("lesson");
    TCase *tc = tcase_create(g->name);
    judge_pid = getpid();
    running_test = g;
    tcase_add_checked_fixture(tc, in_check_child, NULL);
    tcase_add_test(tc, *g->test);
    /* The grader stops the run at the limit; this is only a backstop. */
    /* After the sandbox's bound on the subject: its limit grows by the
     * time a loaded machine kept it waiting, to 3 x (sandbox/rundelay.c). */
    tcase_set_timeout(tc, 3 * timeout_ms / 1000.0 + 5);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_SILENT);
    int failed = srunner_ntests_failed(sr);
    finish_subject(2000);
    if (failed) {
        TestResult **f = srunner_failures(sr);
        const char *file = tr_lfile(f[0]);
        const char *slash = file ? strrchr(file, '/') : NULL;
        const char *msg = tr_msg(f[0]) ? tr_msg(f[0]) : "";
        /* "gone": the verdict comes from what happened to the subject. */
        bool gone = strncmp(msg, GONE_PREFIX, strlen(GONE_PREFIX)) == 0;
        result_printf("%s %s %s:%d %s", gone ? "gone" : "fail", g->name,
                      slash ? slash + 1 : (file ? file : "?"), tr_lno(f[0]), msg);
        free(f);
    } else {
        result_printf("pass %s", g->name);
    }
    srunner_free(sr);
}

static int usage(void)
{
    fprintf(stderr, "usage: judge --list | judge --run NAME --seed S --flavour plain|tsan "
                    "--control FD --result FD [--timeout MS] [--witness FD]\n"
                    "This binary is started by the grader; run `make check` instead.\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *run = NULL;
    bool list = false;
    unsigned timeout_ms = 10000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--list") == 0)
            list = true;
        else if (strcmp(argv[i], "--run") == 0 && i + 1 < argc)
            run = argv[++i];
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--flavour") == 0 && i + 1 < argc)
            under_tsan = strcmp(argv[++i], "tsan") == 0;
        else if (strcmp(argv[i], "--control") == 0 && i + 1 < argc)
            control_fd = atoi(argv[++i]);
        else if (strcmp(argv[i], "--result") == 0 && i + 1 < argc)
            result_fd = atoi(argv[++i]);
        else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
            timeout_ms = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--witness") == 0 && i + 1 < argc)
            witness_judge_channel(atoi(argv[++i]));
        else if (strcmp(argv[i], "--bench-extra-trips") == 0 && i + 1 < argc)
            bench_extra_trips = (unsigned)strtoul(argv[++i], NULL, 10) % 100;
        else if (strcmp(argv[i], "--bench-event-copy") == 0)
            bench_event_copy = true;
        else
            return usage();
    }
    if (list) {
        list_tests();
        return 0;
    }
    if (!run || control_fd < 0 || result_fd < 0)
        return usage();
    /* Where the subject runs as our user without namespaces (the weakest
     * sandbox), nothing else keeps it out of us: no ptrace, no /proc/PID/fd
     * (our result pipe) for anyone but root. Check's child inherits it. */
    prctl(PR_SET_DUMPABLE, 0);
    rand_state = seed;
    const graded_test *g = find_test(run);
    if (!g) {
        result_printf("fail %s ?:0 no such test", run);
        return 1;
    }
    /* A subject that never says HELLO is "gone": what happened to it (a
     * crash before main, an exit) decides. On a loaded machine a start can
     * be slow: the wait is as long as the sandbox's own bound on the run,
     * which grows to 3 x the limit while the machine keeps it waiting. */
    hello_wait_ms = 3 * (timeout_ms < 10000 ? 10000 : timeout_ms);
    run_test(g, timeout_ms);
    return 0;
}
