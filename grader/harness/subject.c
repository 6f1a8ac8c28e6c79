/* subject.c - the main() of a test's subject process.
 *
 * The subject holds the student's object, the concurrency engine and, in the
 * ThreadSanitizer flavour, the sanitizer. It decides nothing: it runs the
 * calls the judge sends (rpc.h) and reports what the engine and the crash
 * handler see on the record channel, where it can only lower a score.
 *
 *     subject --rpc FD --chan FD --test NAME --seed S --category C --timeout MS --log-dir DIR
 *
 * --test names the test the judge runs. The subject does not need it; it
 * names the run in the process list, as the test binary's argv always did
 * (tests/hostile/ cases fire their payload in one test by it).
 * --rpc is the control channel to the judge; --chan the record channel to
 * the grader (a token first, then "TOKEN KIND TEXT" lines, as the engine
 * writes them).
 *
 * Threads: the main thread reads the control channel; each SPAWN starts a
 * stub thread that serves one judge thread's calls. A callback the student's
 * code makes runs remote_run_callback, which reports it on the calling
 * thread's channel (a student thread gets one the first time, NEWCHAN).
 *
 * This file is compiled without ThreadSanitizer's instrumentation even in
 * that flavour (GRADER_TSAN_BUILD says which): its tables are shared by
 * threads that only the sockets order. The happens-before that the judge's
 * own threads create (a thread started after a call, a join) is handed to
 * TSan explicitly: each channel has a clock that its thread releases after
 * each call and that a SPAWN's or CALL's `acquire` list acquires.
 */
#include "callcheck.h"
#include "engine.h"
#include "intercept.h"
#include "intercept_ucontext.h"
#include "leftovers.h"
#include "remote.h"
#include "rpc.h"
#include "sigsafe.h"
#include "vclock.h"

#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifdef GRADER_TSAN_BUILD
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
void __sanitizer_set_report_path(const char *path);
#define HB_ACQUIRE(p) __tsan_acquire(p)
#define HB_RELEASE(p) __tsan_release(p)
#define UNDER_TSAN 1

/* ThreadSanitizer's options come from here, not from TSAN_OPTIONS: the
 * grader runs both flavours with the same environment, so the student's code
 * cannot tell the sanitizer run by it. The exit code is TSAN_EXIT
 * (grader/src/verdict.h); the log path is set in main (--log-dir). */
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
    return "exitcode=66 atexit_sleep_ms=0 halt_on_error=0 detect_deadlocks=0 "
           "report_signal_unsafe=0 history_size=4";
}
#else
#define HB_ACQUIRE(p) ((void)(p))
#define HB_RELEASE(p) ((void)(p))
#define UNDER_TSAN 0
#endif

#define TOKEN_LEN 32
#define MAX_CHANS 8192
#define MAX_STUDENT_CHANS 65536
#define STUDENT_CHAN 0x80000000u
#define STUB_STACK (1u << 20)

typedef struct chan {
    int fd;
    uint32_t id;
    char clock; /* its address is the TSan sync object of this channel's calls */
    atomic_bool stub_done; /* its stub thread has served its last call */
} chan;

static int chan_fd = -1, control_fd = -1;
static char token[TOKEN_LEN + 1];
static uintptr_t exe_base;

/* Judge-made channels by id (1..MAX_CHANS-1); student threads' by id & ~STUDENT_CHAN. */
static chan *_Atomic judge_chans[MAX_CHANS];
static chan *_Atomic student_chans[MAX_STUDENT_CHANS];
static pthread_key_t student_chan_key; /* closes a student thread's channel when it exits */
static atomic_uint student_chans_made;
static __thread chan *my_chan;
static atomic_ulong events_sent; /* RPC_EVENTs so far, for each RETURN */
static atomic_int bench_sink_fd = -1; /* RPC_BENCH_SINK: where each EVENT's copy goes */

static chan *chan_by_id(uint32_t id)
{
    if (id & STUDENT_CHAN)
        return (id & ~STUDENT_CHAN) < MAX_STUDENT_CHANS
                   ? atomic_load(&student_chans[id & ~STUDENT_CHAN])
                   : NULL;
    return id < MAX_CHANS ? atomic_load(&judge_chans[id]) : NULL;
}

/* For the virtual clock: does judge channel id's stub still serve it? */
static bool stub_serving(uint32_t id)
{
    chan *c = chan_by_id(id);
    return c && !atomic_load(&c->stub_done);
}

/* Happens-before from every channel in the list (or all of them). */
static void acquire_list(uint32_t n, const uint32_t *ids)
{
    if (n == RPC_ACQUIRE_ALL) {
        for (uint32_t i = 1; i < MAX_CHANS; i++) {
            chan *c = atomic_load(&judge_chans[i]);
            if (c)
                HB_ACQUIRE(&c->clock);
        }
        return;
    }
    for (uint32_t i = 0; i < n && i < RPC_MAX_ACQUIRE; i++) {
        chan *c = chan_by_id(ids[i]);
        if (c)
            HB_ACQUIRE(&c->clock);
    }
}

/* ---- the record channel (to the grader) ---------------------------------- */

static void chan_write(const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(chan_fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        buf += n;
        len -= (size_t)n;
    }
}

void harness_chan_record(const char *kind, const char *text)
{
    char line[4096];
    int n = snprintf(line, sizeof line, "%s %s %s", token, kind, text);
    size_t len = n < 0 ? 0 : (size_t)n;
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    /* One record is one line: newlines inside a message become spaces. */
    for (size_t i = TOKEN_LEN; i < len; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    line[len++] = '\n';
    chan_write(line, len);
}

static int read_token(void)
{
    size_t got = 0;
    while (got < TOKEN_LEN + 1) {
        ssize_t n = read(chan_fd, token + got, TOKEN_LEN + 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    if (token[TOKEN_LEN] != '\n')
        return -1;
    token[TOKEN_LEN] = '\0';
    return 0;
}

/* ---- crashes ------------------------------------------------------------- */

void remote_site_text(uintptr_t ret, char *buf, size_t cap)
{
    if (exe_base && ret > exe_base)
        snprintf(buf, cap, " at @%lx", (unsigned long)(ret - 1 - exe_base));
    else if (cap)
        buf[0] = '\0';
}

/* "TOKEN crash SIGNO OFFSET...": return addresses relative to the executable. */
static void on_crash(int sig, siginfo_t *info, void *uctx)
{
    void *pcs[32];
    int n = backtrace(pcs, 32);
    uintptr_t pc = fault_pc(uctx);
    /* Frames up to the faulting one are the handler and the kernel's
     * trampoline: start at the fault, whose address is exact; the callers'
     * are return addresses, one past their call instruction. */
    int first = 0;
    for (int i = 0; i < n && pc; i++)
        if ((uintptr_t)pcs[i] == pc)
            first = i;
    /* A task stack overrun (intercept_ucontext.c): said first, as such. */
    ucontext_crash_check(sig, info, fault_sp(uctx));
    char line[TOKEN_LEN + 32 + 33 * 20];
    size_t len = 0;
    memcpy(line, token, TOKEN_LEN);
    len += TOKEN_LEN;
    memcpy(line + len, " crash ", 7);
    len += 7;
    len += put_hex(line + len, (uintptr_t)sig);
    if (pc && (first == 0 || (uintptr_t)pcs[first] != pc)) {
        line[len++] = ' ';
        len += put_hex(line + len, pc - exe_base);
    }
    for (int i = first; i < n; i++) {
        line[len++] = ' ';
        len += put_hex(line + len, (uintptr_t)pcs[i] - exe_base - (i > first));
    }
    line[len++] = '\n';
    chan_write(line, len);
    /* Then what the threads did last. Not strictly async-signal-safe (it
     * formats with snprintf, into static memory, no allocation or lock);
     * the crash record is already out should it fault again (SA_RESETHAND:
     * the default action then ends the process). */
    engine_report_timeline();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_crash_handlers(void)
{
    Dl_info info;
    if (dladdr((void *)install_crash_handlers, &info) && info.dli_fbase)
        exe_base = (uintptr_t)info.dli_fbase;
    void *warm[1];
    backtrace(warm, 1); /* loads libgcc now, not inside the handler */
    if (UNDER_TSAN)
        return; /* ThreadSanitizer prints its own report with a stack */
    static char altstack[64 * 1024];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack };
    sigaltstack(&ss, NULL);
    struct sigaction sa = { .sa_sigaction = on_crash,
                            .sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND };
    sigemptyset(&sa.sa_mask);
    int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
}

/* ---- running calls ------------------------------------------------------- */

/* The engine's functions (RPC_FN_ENGINE and up); a text answer replaces
 * m's blob (*out_len: its length, with its NUL). */
static uint64_t engine_call(rpc_msg *m, size_t *out_len)
{
    uint64_t n;
    switch (m->fn) {
    case RPC_FN_LIVE_THREADS:
        return (uint64_t)intercept_live_threads();
    case RPC_FN_THREADS_CREATED:
        return (uint64_t)intercept_threads_created();
    case RPC_FN_UNJOINED_THREADS:
        return (uint64_t)callcheck_unjoined();
    case RPC_FN_FAIL_CREATE:
        intercept_fail_create((int)(int64_t)m->args[0], (int)m->args[1],
                              m->nargs >= 3 && m->args[2] != 0);
        return 0;
    case RPC_FN_INTERLEAVE:
        intercept_interleave(m->args[0] != 0);
        return 0;
    case RPC_FN_VIRTUAL_TIME:
        vclock_enable(m->args[0] != 0);
        return 0;
    case RPC_FN_VT_NOW:
        return vclock_now_ns();
    case RPC_FN_VT_SLEEP:
        vclock_sleep_ns(m->args[0], NULL);
        return 0;
    case RPC_FN_VT_PARK:
        vclock_park((uint32_t)m->args[0]);
        return 0;
    case RPC_FN_FD_MARK:
        return remote_io_mark();
    case RPC_FN_FDS_LEFT:
        n = leftovers_fds(m->args[0], exe_base, (char *)m->blob, RPC_MAX_BLOB);
        *out_len = strlen((char *)m->blob) + 1;
        return n;
    case RPC_FN_CHILDREN_LEFT:
        n = leftovers_children(exe_base, (char *)m->blob, RPC_MAX_BLOB);
        *out_len = strlen((char *)m->blob) + 1;
        return n;
    default:
        return 0;
    }
}

_Static_assert((unsigned)REMOTE_LEAVES_THREADS == (unsigned)CALL_LEAVES_THREADS &&
                   (unsigned)REMOTE_MAY_DETACH == (unsigned)CALL_MAY_DETACH &&
                   (unsigned)REMOTE_RETURNS_LOCKED == (unsigned)CALL_RETURNS_LOCKED,
               "remote.h and callcheck.h name the same flags");

/* REMOTE_NO_RECURSIVE_MUTEX() in the lesson's test_remote.c (weak: most
 * lessons do not write it). */
extern const bool remote_no_recursive_mutex __attribute__((weak));
static bool forbids_recursive_mutex(void)
{
    return &remote_no_recursive_mutex != NULL && remote_no_recursive_mutex;
}

/* What the lesson lets function fn leave behind (REMOTE_LEAVES). */
static unsigned leaves_of(uint32_t fn)
{
    unsigned flags = 0;
    for (size_t i = 0; i < remote_function_leaves_count; i++)
        if (remote_function_leaves[i].fn == fn)
            flags |= remote_function_leaves[i].flags;
    return flags;
}

/* One call of the student's function, then the state it left (callcheck.h). */
static uint64_t call_checked(uint32_t fn, remote_args *a)
{
    call_frame f;
    callcheck_begin(&f, leaves_of(fn));
    uint64_t value = remote_functions[fn](a);
    callcheck_end(&f, remote_function_names[fn]);
    return value;
}

/* A batch (RPC_FN_BATCH): the calls in m's blob, made back to back; their
 * values replace the blob. Returns how many were made; parsing stops at the
 * first malformed entry (the judge, which wrote it, then sees a short count). */
static uint64_t run_batch(rpc_msg *m, size_t *out_len)
{
    size_t len = m->blob_len;
    unsigned char *in = malloc(len ? len : 1);
    if (!in)
        abort();
    memcpy(in, m->blob, len);
    uint64_t calls = 0;
    for (size_t at = 0; at + sizeof(rpc_batch_call) <= len; calls++) {
        rpc_batch_call c;
        memcpy(&c, in + at, sizeof c);
        at += sizeof c;
        uint64_t args[RPC_MAX_ARGS];
        if (c.fn >= remote_function_count || !remote_functions[c.fn] ||
            c.nargs > RPC_MAX_ARGS || len - at < c.nargs * sizeof(uint64_t))
            break;
        memcpy(args, in + at, c.nargs * sizeof(uint64_t));
        at += c.nargs * sizeof(uint64_t);
        remote_args a = { args, c.nargs, NULL, 0, NULL, 0, 0 };
        uint64_t value = call_checked(c.fn, &a);
        memcpy(m->blob + calls * sizeof value, &value, sizeof value);
    }
    free(in);
    *out_len = calls * sizeof(uint64_t);
    return calls;
}

/* Runs the CALL in `m` and turns `m` into its RETURN. */
static void run_call(rpc_msg *m)
{
    uint64_t value = 0, calls = 1;
    size_t out_len = 0;
    if (m->fn == RPC_FN_BATCH) {
        calls = run_batch(m, &out_len);
    } else if (m->fn >= RPC_FN_ENGINE) {
        value = engine_call(m, &out_len);
    } else if (m->fn < remote_function_count && remote_functions[m->fn]) {
        static const size_t max_runs = RPC_MAX_RUNS;
        unsigned char *in = NULL;
        if (m->blob_len && !(in = malloc(m->blob_len)))
            abort();
        if (in)
            memcpy(in, m->blob, m->blob_len);
        remote_args a = { m->args, m->nargs, in, m->blob_len, m->blob, RPC_MAX_BLOB, 0 };
        if (m->repeat <= 1) {
            value = call_checked(m->fn, &a);
            out_len = a.out_len <= RPC_MAX_BLOB ? a.out_len : RPC_MAX_BLOB;
        } else {
            /* A stress loop: every result goes back, run-length encoded. */
            rpc_run *runs = (rpc_run *)(void *)m->blob;
            size_t nruns = 0;
            for (calls = 0; calls < m->repeat;) {
                a.out_len = 0;
                value = call_checked(m->fn, &a);
                calls++;
                if (nruns > 0 && runs[nruns - 1].value == value)
                    runs[nruns - 1].count++;
                else if (nruns < max_runs)
                    runs[nruns++] = (rpc_run){ value, 1 };
                else {
                    calls--; /* not recorded: the judge asks again */
                    break;
                }
                if (m->has_stop && value == m->stop)
                    break;
            }
            out_len = nruns * sizeof(rpc_run);
        }
        free(in);
    }
    uint32_t fn = m->fn;
    rpc_init(m, RPC_RETURN);
    m->fn = fn;
    m->nargs = 3;
    m->args[0] = value;
    m->args[1] = calls;
    m->args[2] = atomic_load(&events_sent);
    m->blob_len = (uint32_t)out_len;
}

/* Serves the judge on `c` until a CB_RETURN comes (until_return: its value
 * is returned) or the channel ends (a stub thread then returns 0; a thread
 * waiting for a callback has no judge left: the process exits). */
static uint64_t serve(chan *c, bool until_return)
{
    rpc_msg *m = rpc_buffer();
    if (!m)
        abort();
    uint64_t value = 0;
    for (;;) {
        intercept_idle(true);
        int got = rpc_recv(c->fd, m, NULL, NULL);
        intercept_idle(false);
        if (got != 0) {
            if (until_return)
                exit(0);
            break;
        }
        if (m->kind == RPC_CALL && m->fn == RPC_FN_NOP) {
            rpc_init(m, RPC_RETURN);
            m->fn = RPC_FN_NOP;
            m->nargs = 2;
            m->args[1] = 1;
            if (rpc_send(c->fd, m, -1) != 0 && until_return)
                exit(0);
        } else if (m->kind == RPC_CALL) {
            if (m->pad && vclock_active())
                vclock_expect_stubs(m->pad);
            acquire_list(m->nacquire, m->acquire);
            run_call(m);
            HB_RELEASE(&c->clock);
            if (rpc_send(c->fd, m, -1) != 0 && until_return)
                exit(0);
        } else if (m->kind == RPC_CB_RETURN && until_return) {
            value = m->nargs ? m->args[0] : 0;
            break;
        }
    }
    rpc_buffer_done(m);
    return value;
}

/* An asynchronous callback: reported on the control channel, not waited for. */
static uint64_t send_event(uint64_t id, size_t nargs, const uint64_t *args)
{
    rpc_msg *m = rpc_buffer();
    if (!m)
        abort();
    rpc_init(m, RPC_EVENT);
    m->fn = (uint32_t)id;
    m->nargs = (uint32_t)(nargs < RPC_MAX_ARGS ? nargs : RPC_MAX_ARGS - 1);
    memcpy(m->args, args, m->nargs * sizeof(uint64_t));
    m->args[m->nargs++] = (uint64_t)syscall(SYS_gettid);
    atomic_fetch_add(&events_sent, 1); /* before: a RETURN never counts fewer */
    int sink = atomic_load(&bench_sink_fd);
    if (sink >= 0)
        (void)rpc_send(sink, m, -1); /* a benchmark's copy, to a reader of its own */
    int sent = rpc_send(control_fd, m, -1);
    rpc_buffer_done(m);
    if (sent != 0)
        exit(0);
    return 0;
}

uint64_t remote_run_callback(uint64_t id, size_t nargs, const uint64_t *args)
{
    if (id & RPC_CB_ASYNC)
        return send_event(id, nargs, args);
    chan *c = my_chan;
    if (!c) {
        /* A thread the student's code started: its own channel, sent to
         * the judge, which starts a thread to answer it. */
        unsigned k = atomic_fetch_add(&student_chans_made, 1);
        int sv[2];
        if (k >= MAX_STUDENT_CHANS ||
            syscall(SYS_socketpair, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
            abort();
        c = calloc(1, sizeof *c);
        if (!c)
            abort();
        c->fd = sv[0];
        c->id = STUDENT_CHAN | k;
        atomic_store(&student_chans[k], c);
        rpc_msg *m = rpc_buffer();
        if (!m)
            abort();
        rpc_init(m, RPC_NEWCHAN);
        m->nargs = 2;
        m->args[0] = c->id;
        m->args[1] = (uint64_t)syscall(SYS_gettid);
        int sent = rpc_send(control_fd, m, sv[1]);
        rpc_buffer_done(m);
        close(sv[1]);
        if (sent != 0)
            exit(0);
        my_chan = c;
        pthread_setspecific(student_chan_key, c);
    }
    rpc_msg *m = rpc_buffer();
    if (!m)
        abort();
    rpc_init(m, RPC_CALLBACK);
    m->fn = (uint32_t)id;
    m->nargs = (uint32_t)(nargs <= RPC_MAX_ARGS ? nargs : RPC_MAX_ARGS);
    memcpy(m->args, args, m->nargs * sizeof(uint64_t));
    HB_RELEASE(&c->clock); /* what the judge starts from the callback follows it */
    int sent = rpc_send(c->fd, m, -1);
    rpc_buffer_done(m);
    if (sent != 0)
        exit(0);
    return serve(c, true);
}

/* A student thread that made callbacks exits: its channel ends, and so does
 * the judge thread that answered it (the channel's clock stays). */
static void close_student_chan(void *p)
{
    chan *c = p;
    close(c->fd);
}

static void *stub_thread(void *p)
{
    chan *c = p;
    my_chan = c;
    rpc_msg *m = rpc_buffer();
    if (!m)
        abort();
    rpc_init(m, RPC_READY);
    m->nargs = 1;
    m->args[0] = (uint64_t)syscall(SYS_gettid);
    int sent = rpc_send(c->fd, m, -1);
    rpc_buffer_done(m);
    vclock_stub_started();
    if (sent == 0)
        serve(c, false);
    atomic_store(&c->stub_done, true);
    /* The judge's thread is done; its clock stays for later joins. */
    close(c->fd);
    return NULL;
}

/* SPAWN: a channel for one judge thread, served by a new stub thread (the
 * real pthread_create: the engine does not count it as the student's). */
static void spawn(const rpc_msg *m, int fd)
{
    uint32_t id = m->nargs >= 1 ? (uint32_t)m->args[0] : 0;
    chan *c = calloc(1, sizeof *c);
    if (fd < 0 || id == 0 || id >= MAX_CHANS || atomic_load(&judge_chans[id]) || !c) {
        if (fd >= 0)
            close(fd);
        free(c);
        return;
    }
    c->fd = fd;
    c->id = id;
    atomic_store(&judge_chans[id], c);
    /* The new thread's calls follow its creator's (a judge thread started
     * after its parent's calls); acquired here, inherited by pthread_create. */
    chan *parent = m->nargs >= 2 ? chan_by_id((uint32_t)m->args[1]) : NULL;
    if (parent)
        HB_ACQUIRE(&parent->clock);
    acquire_list(m->nacquire, m->acquire);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, STUB_STACK);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    if (pthread_create(&t, &attr, stub_thread, c) != 0)
        close(fd); /* the judge's wait for READY ends: its test fails */
    pthread_attr_destroy(&attr);
}

static int usage(void)
{
    fprintf(stderr, "usage: subject --rpc FD --chan FD [--test NAME] [--seed S] [--category C] "
                    "[--timeout MS] [--log-dir DIR]\n"
                    "This binary is started by the grader; run `make check` instead.\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *log_dir = NULL, *category = "functional";
    uint64_t seed = 0;
    unsigned timeout_ms = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rpc") == 0 && i + 1 < argc)
            control_fd = atoi(argv[++i]);
        else if (strcmp(argv[i], "--chan") == 0 && i + 1 < argc)
            chan_fd = atoi(argv[++i]);
        else if (strcmp(argv[i], "--test") == 0 && i + 1 < argc)
            i++;
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--test") == 0 && i + 1 < argc)
            i++;
        else if (strcmp(argv[i], "--category") == 0 && i + 1 < argc)
            category = argv[++i];
        else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
            timeout_ms = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--log-dir") == 0 && i + 1 < argc)
            log_dir = argv[++i];
        else
            return usage();
    }
    if (chan_fd < 0 || control_fd < 0 || read_token() != 0)
        return usage();
#ifdef GRADER_TSAN_BUILD
    /* Reports go to DIR/tsan.PID, where the grader reads them. */
    static char log_path[4096];
    if (log_dir && snprintf(log_path, sizeof log_path, "%s/tsan", log_dir) < (int)sizeof log_path)
        __sanitizer_set_report_path(log_path);
#else
    (void)log_dir;
#endif
    install_crash_handlers();
    ucontext_set_report(harness_chan_record);
    pthread_key_create(&student_chan_key, close_student_chan);
    intercept_reset();
    /* The engine reports a hang after a quarter of the time limit without
     * progress, early enough to be on the channel when the grader stops us. */
    unsigned stall = timeout_ms ? timeout_ms / 4 : 1000;
    intercept_engine_start(seed, category, stall < 300 ? 300 : stall > 2000 ? 2000 : stall,
                           forbids_recursive_mutex());
    vclock_watch_joins(stub_serving);

    rpc_msg *m = rpc_buffer();
    if (!m)
        return 1;
    rpc_init(m, RPC_HELLO);
    if (rpc_send(control_fd, m, -1) != 0)
        return 1;
    for (;;) {
        int fd = -1;
        if (rpc_recv(control_fd, m, &fd, NULL) != 0)
            break; /* the judge is gone */
        if (m->kind == RPC_SPAWN)
            spawn(m, fd);
        else if (m->kind == RPC_BENCH_SINK && fd >= 0 && atomic_load(&bench_sink_fd) < 0)
            atomic_store(&bench_sink_fd, fd);
        else {
            if (fd >= 0)
                close(fd);
            if (m->kind == RPC_FINISH)
                break;
        }
    }
    rpc_buffer_done(m);
    /* What the student's threads did last: shown if the test failed. */
    engine_report_timeline();
    fflush(NULL);
    exit(0);
}
