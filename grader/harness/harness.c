/* harness.c - the main() of every lesson's test binary.
 *
 * The grader starts the binary once per test:
 *     tests --list --chan FD             name every test and its category
 *     tests --run NAME --seed S [--log-dir DIR] --chan FD
 * FD is a socket the grader opened for this run. The grader first writes a
 * random token on it; every record the harness writes back starts with that
 * token, and the grader counts a test as passed only when the record says so
 * and the process then exits cleanly. Nothing the student's code prints can
 * pass a test, and an early exit(0) never reports a pass.
 *
 * Records (one line each): "TOKEN test NAME CATEGORY TIMEOUT_MS", "TOKEN end",
 * "TOKEN pass NAME", "TOKEN fail NAME FILE:LINE MESSAGE",
 * "TOKEN crash SIGNO OFFSET..." (return addresses relative to the executable).
 */
#include "harness.h"
#include "intercept.h"
#include "splitmix64.h"

#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#ifndef UNDER_TSAN
#define UNDER_TSAN 0
#endif

#if UNDER_TSAN
#include <sanitizer/common_interface_defs.h>

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
#endif

#define TOKEN_LEN 32

extern const graded_test public_tests[];
extern const graded_test hidden_tests[] __attribute__((weak));

static int chan_fd = -1;
static char token[TOKEN_LEN + 1];
static uint64_t seed;
static uint64_t rand_state;
static uintptr_t exe_base;

/* ---- helpers for tests ------------------------------------------------ */

uint64_t harness_seed(void) { return seed; }

uint64_t harness_rand(void)
{
    return splitmix64_next(&rand_state);
}

double harness_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void harness_sleep_ms(double ms)
{
    struct timespec ts = { (time_t)(ms / 1e3), (long)((ms - (time_t)(ms / 1e3) * 1e3) * 1e6) };
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

int harness_live_threads(void) { return intercept_live_threads(); }
int harness_threads_created(void) { return intercept_threads_created(); }
void harness_fail_create(int n, int err) { intercept_fail_create(n, err); }
bool harness_under_tsan(void) { return UNDER_TSAN; }
void harness_interleave(bool on) { intercept_interleave(on); }

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

/* ---- the test's own helper threads ------------------------------------- */

/* Only the test's own thread touches this list (harness.h says so): no lock,
 * so the harness adds no synchronisation ThreadSanitizer could credit to the
 * student's code. Each test runs in a process of its own. */
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

/* ---- the stall watch ------------------------------------------------------ */

bool harness_watch_progress(atomic_bool *done, atomic_long *progress, unsigned stall_ms,
                            long *last)
{
    long seen = atomic_load(progress);
    double since = harness_now_ms();
    while (!atomic_load(done)) {
        long now = atomic_load(progress);
        if (now != seen) {
            seen = now;
            since = harness_now_ms();
        } else if (harness_now_ms() - since > stall_ms) {
            *last = seen;
            return false;
        }
        harness_sleep_ms(2);
    }
    *last = atomic_load(progress);
    return true;
}

/* ---- the channel --------------------------------------------------------- */

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

static void chan_printf(const char *fmt, ...)
{
    char line[4096];
    int off = snprintf(line, sizeof line, "%s ", token);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line + off, sizeof line - (size_t)off - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)off + (n < 0 ? 0 : (size_t)n);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    /* One record is one line: newlines inside a message become spaces. */
    for (size_t i = (size_t)off; i < len; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    line[len++] = '\n';
    chan_write(line, len);
}

void harness_chan_record(const char *kind, const char *text)
{
    chan_printf("%s %s", kind, text);
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

/* Async-signal-safe formatting of one hex number. */
static size_t put_hex(char *out, uintptr_t v)
{
    char tmp[2 * sizeof v];
    size_t n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

/* The exact faulting instruction, from the signal context (0 if unknown). */
static uintptr_t fault_pc(void *uctx)
{
#if defined(__x86_64__)
    return (uintptr_t)((ucontext_t *)uctx)->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return (uintptr_t)((ucontext_t *)uctx)->uc_mcontext.pc;
#else
    (void)uctx;
    return 0;
#endif
}

static void on_crash(int sig, siginfo_t *info, void *uctx)
{
    (void)info;
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
    struct sigaction sa = { .sa_sigaction = on_crash, .sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND };
    sigemptyset(&sa.sa_mask);
    int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
}

/* ---- running ------------------------------------------------------------- */

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
            chan_printf("test %s %s %u %s", g->name, g->category, g->timeout_ms, vis[t]);
    chan_printf("end");
}

static int run_test(const graded_test *g)
{
    Suite *s = suite_create("lesson");
    TCase *tc = tcase_create(g->name);
    tcase_add_test(tc, *g->test);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    intercept_reset();
    srunner_run_all(sr, CK_SILENT);
    int failed = srunner_ntests_failed(sr);
    if (failed) {
        TestResult **f = srunner_failures(sr);
        const char *file = tr_lfile(f[0]);
        const char *slash = file ? strrchr(file, '/') : NULL;
        chan_printf("fail %s %s:%d %s", g->name, slash ? slash + 1 : (file ? file : "?"),
                    tr_lno(f[0]), tr_msg(f[0]) ? tr_msg(f[0]) : "");
        free(f);
    } else {
        chan_printf("pass %s", g->name);
    }
    srunner_free(sr);
    return failed ? 1 : 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: tests --list --chan FD | tests --run NAME [--seed S] [--timeout MS] [--log-dir DIR] --chan FD\n"
                    "This binary is started by the grader; run `make check` instead.\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *run = NULL, *log_dir = NULL;
    bool list = false;
    unsigned timeout_ms = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--list") == 0)
            list = true;
        else if (strcmp(argv[i], "--run") == 0 && i + 1 < argc)
            run = argv[++i];
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
            timeout_ms = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--chan") == 0 && i + 1 < argc)
            chan_fd = atoi(argv[++i]);
        else if (strcmp(argv[i], "--log-dir") == 0 && i + 1 < argc)
            log_dir = argv[++i];
        else
            return usage();
    }
    if (chan_fd < 0 || (!list && !run) || read_token() != 0)
        return usage();
#if UNDER_TSAN
    /* Reports go to DIR/tsan.PID, where the grader reads them. */
    static char log_path[4096];
    if (log_dir && snprintf(log_path, sizeof log_path, "%s/tsan", log_dir) < (int)sizeof log_path)
        __sanitizer_set_report_path(log_path);
#else
    (void)log_dir;
#endif
    rand_state = seed;
    install_crash_handlers();
    if (list) {
        list_tests();
        return 0;
    }
    const graded_test *g = find_test(run);
    if (!g) {
        chan_printf("fail %s ?:0 no such test", run);
        return 1;
    }
    /* The engine reports a hang after a quarter of the time limit without
     * progress, early enough to be on the channel when the grader stops us. */
    unsigned stall = timeout_ms ? timeout_ms / 4 : 1000;
    intercept_engine_start(seed, g->category, stall < 300 ? 300 : stall > 2000 ? 2000 : stall);
    fflush(NULL);
    int rc = run_test(g);
    fflush(NULL);
    return rc;
}
