/* runtest.c - see runtest.h.
 *
 * A test passes only when (1) the harness wrote "pass NAME" on the channel,
 * prefixed with the token this run gave it, and (2) the process then exited
 * with status 0. Everything else is a failure with the best explanation the
 * evidence allows: the harness's assertion message, a crash with the student's
 * function and line, a ThreadSanitizer report, or a timeout.
 */
#include "runtest.h"
#include "sites.h"
#include "tsan_report.h"
#include "util.h"
#include "../../sandbox/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHAN_FD 3
#define TEST_OUTPUT_CAP (256u << 10)
#define CHAN_CAP (256u << 10)
#define TSAN_EXIT 66
#define TIMING_ATTEMPTS 3
#define STRESS_SEEDS 2 /* schedules per race, deadlock and ordering test */

/* The only directory a test run may write (ThreadSanitizer's logs): the work
 * dir itself, which holds the test binaries, is read-only for the test. */
static char *scratch_dir(const run_context *ctx)
{
    return xasprintf("%s/scratch", ctx->workdir);
}

const char *const test_status_names[] = { "passed", "failed", "timeout", "crashed" };

typedef struct raw_run {
    sbx_result res;
    char *records;  /* the lines from the channel that carry our token, token removed */
    char token[33];
    bool sandbox_failed;
} raw_run;

static void new_token(char token[33])
{
    uint64_t a = random_u64(), b = random_u64();
    snprintf(token, 33, "%016llx%016llx", (unsigned long long)a, (unsigned long long)b);
}

/* Reads what the harness wrote and keeps only the lines with our token. */
static char *read_records(int fd, const char *token)
{
    char *buf = xmalloc(CHAN_CAP + 1);
    size_t len = 0;
    fcntl(fd, F_SETFL, O_NONBLOCK);
    while (len < CHAN_CAP) {
        ssize_t n = read(fd, buf + len, CHAN_CAP - len);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    char *out = xcalloc(1, len + 1);
    size_t olen = 0, tlen = strlen(token);
    for (char *line = buf; line && *line;) {
        char *nl = strchr(line, '\n');
        if (!nl)
            break; /* a record without its newline was cut off: not trusted */
        *nl = '\0';
        if (strncmp(line, token, tlen) == 0 && line[tlen] == ' ') {
            size_t l = strlen(line + tlen + 1);
            memcpy(out + olen, line + tlen + 1, l);
            olen += l;
            out[olen++] = '\n';
        }
        line = nl + 1;
    }
    out[olen] = '\0';
    free(buf);
    return out;
}

static bool tsan_env(const char *const *envp)
{
    for (; envp && *envp; envp++)
        if (strncmp(*envp, "TSAN_OPTIONS=", 13) == 0)
            return true;
    return false;
}

static void run_binary(const run_context *ctx, const char *bin, const char *const *extra_args,
                       const char *const *envp, unsigned timeout_ms, raw_run *rr)
{
    memset(rr, 0, sizeof *rr);
    new_token(rr->token);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        rr->sandbox_failed = true;
        rr->records = xstrdup("");
        return;
    }
    /* The child's end must be CHAN_FD in the child: put it there now. */
    int child_end = sv[1];
    if (child_end != CHAN_FD) {
        int moved = fcntl(child_end, F_DUPFD_CLOEXEC, 10);
        close(child_end);
        child_end = moved;
    }
    char tok[34];
    snprintf(tok, sizeof tok, "%s\n", rr->token);
    if (write(sv[0], tok, 33) != 33) {
        rr->sandbox_failed = true;
    }
    const char *argv[16];
    size_t n = 0;
    argv[n++] = bin;
    for (; extra_args && *extra_args && n < 12; extra_args++)
        argv[n++] = *extra_args;
    char fdarg[16];
    snprintf(fdarg, sizeof fdarg, "%d", child_end);
    argv[n++] = "--chan";
    argv[n++] = fdarg;
    argv[n] = NULL;
    char *scratch = scratch_dir(ctx);
    sbx_spec spec = {
        .argv = argv,
        .envp = envp,
        .workdir = ctx->workdir,
        .scratch_dir = tsan_env(envp) ? scratch : NULL, /* only TSan runs write (logs) */
        .wall_ms = timeout_ms,
        .cpu_ms = timeout_ms * 4, /* threads run on both cores */
        .output_cap = TEST_OUTPUT_CAP,
        .pass_fd = child_end,
        .network = ctx->l->network,
    };
    if (!rr->sandbox_failed && sbx_run(&spec, &rr->res) != 0)
        rr->sandbox_failed = true;
    free(scratch);
    close(child_end);
    rr->records = read_records(sv[0], rr->token);
    close(sv[0]);
}

static void raw_run_free(raw_run *rr)
{
    sbx_result_free(&rr->res);
    free(rr->records);
}

/* The first record of a kind ("pass", "fail", "crash"), or NULL. Returns a
 * pointer just after the kind and its space. */
static const char *find_record(const char *records, const char *kind)
{
    size_t k = strlen(kind);
    for (const char *line = records; line && *line;) {
        if (strncmp(line, kind, k) == 0 && (line[k] == ' ' || line[k] == '\n'))
            return line + k + (line[k] == ' ');
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return NULL;
}

static char *line_dup(const char *s)
{
    size_t n = strcspn(s, "\n");
    char *out = xmalloc(n + 1);
    memcpy(out, s, n);
    out[n] = '\0';
    return out;
}

/* ---- listing ------------------------------------------------------------- */

int list_tests(const run_context *ctx, test_info **tests, size_t *n, char **err)
{
    *tests = NULL;
    *n = 0;
    const char *args[] = { "--list", NULL };
    raw_run rr;
    run_binary(ctx, ctx->bin, args, NULL, 10000, &rr);
    if (rr.sandbox_failed || !find_record(rr.records, "end")) {
        *err = xasprintf("the test binary did not list its tests%s%s",
                         rr.res.output_len ? ": " : "", rr.res.output ? rr.res.output : "");
        raw_run_free(&rr);
        return -1;
    }
    size_t cap = 16;
    test_info *t = xcalloc(cap, sizeof *t);
    for (const char *line = rr.records; line && *line;) {
        char name[128], cat[32], vis[16];
        unsigned timeout;
        if (sscanf(line, "test %127s %31s %u %15s", name, cat, &timeout, vis) == 4) {
            if (*n == cap) {
                cap *= 2;
                t = realloc(t, cap * sizeof *t);
                if (!t) {
                    fputs("grader: out of memory\n", stderr);
                    exit(1);
                }
            }
            int c = category_from_name(cat);
            if (c < 0) { /* a mistake in the course's tests: the lesson cannot be graded */
                *err = xasprintf("test %s declares an unknown category \"%s\" (the categories: "
                                 "functional, race, deadlock, ordering, timing)", name, cat);
                free_tests(t, *n);
                *n = 0;
                raw_run_free(&rr);
                return -1;
            }
            t[*n] = (test_info){ xstrdup(name), c,
                                 timeout ? timeout : ctx->l->test_timeout_ms,
                                 strcmp(vis, "hidden") == 0 };
            (*n)++;
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    raw_run_free(&rr);
    *tests = t;
    return 0;
}

void free_tests(test_info *tests, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(tests[i].name);
    free(tests);
}

/* ---- crashes ------------------------------------------------------------- */

/* Turns "crash SIG off1 off2 ..." into "in func (file.c:12)" using addr2line
 * on our own binary. Returns malloc'd text or NULL. */
static char *symbolize_crash(const run_context *ctx, const char *bin, const char *rec)
{
    char *a2l = find_in_path("addr2line");
    if (!a2l)
        return NULL;
    const char *argv[40];
    size_t n = 0;
    argv[n++] = a2l;
    argv[n++] = "-f";
    argv[n++] = "-e";
    argv[n++] = bin;
    char *copy = line_dup(rec), *save = NULL;
    strtok_r(copy, " ", &save); /* the signal number */
    for (char *w = strtok_r(NULL, " ", &save); w && n < 38; w = strtok_r(NULL, " ", &save))
        argv[n++] = w;
    argv[n] = NULL;
    sbx_spec spec = { .argv = argv, .workdir = ctx->workdir, .wall_ms = 10000,
                      .output_cap = 64u << 10, .pass_fd = -1, .compiler = true };
    sbx_result res;
    char *found = NULL;
    if (sbx_run(&spec, &res) == 0) {
        /* Pairs of lines: function, file:line. The first in the student's file wins. */
        char *file = xasprintf("%s.c:", ctx->l->slug);
        char *save2 = NULL, *func = NULL;
        for (char *line = strtok_r(res.output, "\n", &save2); line;
             line = strtok_r(NULL, "\n", &save2)) {
            if (!func) {
                func = line;
                continue;
            }
            const char *base = strrchr(line, '/') ? strrchr(line, '/') + 1 : line;
            if (strncmp(base, file, strlen(file)) == 0) {
                char *paren = strstr(base, " (");
                if (paren)
                    *paren = '\0';
                found = xasprintf("in %s (%s)", func, base);
                break;
            }
            func = NULL;
        }
        free(file);
        sbx_result_free(&res);
    }
    free(copy);
    free(a2l);
    return found;
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGSEGV: return "SIGSEGV (invalid memory access)";
    case SIGBUS: return "SIGBUS (invalid memory access)";
    case SIGFPE: return "SIGFPE (arithmetic error, such as division by zero)";
    case SIGILL: return "SIGILL (illegal instruction)";
    case SIGABRT: return "SIGABRT (abort, often a failed assert or a double free)";
    case SIGKILL: return "SIGKILL";
    case SIGXCPU: return "SIGXCPU (CPU time limit)";
    case SIGXFSZ: return "SIGXFSZ (file size limit)";
    default: return strsignal(sig);
    }
}

/* ---- one run's verdict ---------------------------------------------------- */

/* What the concurrency engine saw (grader/harness/engine.h): a deadlock that
 * formed, or, for deadlock tests, a lock-order inversion that could deadlock
 * even if this run did not. Returns true when it decides the verdict. */
static bool engine_verdict(const run_context *ctx, const char *bin, const test_info *t,
                           const raw_run *rr, test_outcome *out)
{
    char *text = record_text(rr->records, "deadlock", false);
    const char *fmt = "deadlock: %s";
    if (!text && t->category == CAT_DEADLOCK) {
        text = record_text(rr->records, "lockorder", false);
        fmt = "lock-order inversion that can deadlock when these run at the same time: %s. "
              "Lock mutexes in one global order (or take them all under one common lock)";
    }
    if (!text)
        return false;
    char *where = sites_symbolize(text, bin, ctx->workdir);
    out->status = TEST_FAILED;
    out->message = xasprintf(fmt, where);
    out->engine_found = true;
    free(where);
    free(text);
    return true;
}

/* The engine's last "hang" record: what each thread waited for. NULL if none. */
static char *hang_story(const run_context *ctx, const char *bin, const raw_run *rr)
{
    char *text = record_text(rr->records, "hang", true);
    if (!text)
        return NULL;
    char *where = sites_symbolize(text, bin, ctx->workdir);
    free(text);
    return where;
}

static void verdict(const run_context *ctx, const char *bin, const test_info *t, raw_run *rr,
                    bool tsan, test_outcome *out)
{
    const sbx_result *res = &rr->res;
    const char *pass = find_record(rr->records, "pass");
    const char *fail = find_record(rr->records, "fail");
    const char *crash = find_record(rr->records, "crash");
    int st = res->status;
    out->duration_ms = res->wall_ms;

    if (engine_verdict(ctx, bin, t, rr, out))
        return;

    /* A ThreadSanitizer report is the strongest evidence in a tsan run. */
    if (tsan) {
        char *scratch = scratch_dir(ctx);
        char *report = tsan_summarize(scratch, ctx->l);
        free(scratch);
        if (report) {
            out->status = TEST_FAILED;
            out->message = report;
            return;
        }
    }
    if (rr->sandbox_failed) {
        out->status = TEST_FAILED;
        out->message = xstrdup("the grader could not run this test (sandbox failure)");
    } else if (res->output_limit) {
        out->status = TEST_FAILED;
        out->message = xasprintf("printed more than %u KiB (output limit): remove debug "
                                 "printing from loops", TEST_OUTPUT_CAP >> 10);
    } else if (res->timed_out || res->cpu_exceeded) {
        out->status = TEST_TIMEOUT;
        char *story = hang_story(ctx, bin, rr);
        if (story)
            out->message = xasprintf("did not finish within %.1f s: %s", t->timeout_ms / 1000.0,
                                     story);
        else
            out->message = xasprintf("did not finish within %.1f s: a deadlock, a missed "
                                     "wake-up, or an endless loop", t->timeout_ms / 1000.0);
        free(story);
    } else if (fail) {
        out->status = TEST_FAILED;
        /* "NAME FILE:LINE MESSAGE": keep the message, the test's line is ours. */
        const char *msg = strchr(fail, ' ');
        msg = msg ? strchr(msg + 1, ' ') : NULL;
        out->message = line_dup(msg ? msg + 1 : "assertion failed");
    } else if (crash || WIFSIGNALED(st)) {
        int sig = crash ? (int)strtol(crash, NULL, 16) : WTERMSIG(st);
        char *where = crash ? symbolize_crash(ctx, bin, crash) : NULL;
        out->status = TEST_CRASHED;
        out->message = xasprintf("crashed with %s%s%s%s", signal_name(sig), where ? " " : "",
                                 where ? where : "", pass ? " after the test finished" : "");
        free(where);
    } else if (pass && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        out->status = TEST_PASSED;
    } else if (pass && tsan && WIFEXITED(st) && WEXITSTATUS(st) == TSAN_EXIT) {
        out->status = TEST_FAILED;
        out->message = xstrdup("ThreadSanitizer found a problem (its report was not readable)");
    } else if (pass) {
        out->status = TEST_FAILED;
        out->message = xasprintf("the test passed but the program then exited with status %d",
                                 WEXITSTATUS(st));
    } else {
        out->status = TEST_FAILED;
        out->message = xasprintf("the program exited (status %d) before the test finished: "
                                 "is exit() called from the lesson's code?",
                                 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    }
}

static void run_once(const run_context *ctx, const test_info *t, bool tsan, uint64_t run_seed,
                     test_outcome *out)
{
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)run_seed);
    /* ThreadSanitizer slows code down 5-15 times: give it room. */
    unsigned timeout = tsan ? t->timeout_ms * 3 : t->timeout_ms;
    char limit[16];
    snprintf(limit, sizeof limit, "%u", timeout);
    const char *args[] = { "--run", t->name, "--seed", seed, "--timeout", limit, NULL };
    const char *bin = tsan ? ctx->bin_tsan : ctx->bin;
    memset(out, 0, sizeof *out);
    /* Where the sandbox is weak (no namespaces, same user), an earlier run
     * could have rewritten the test binary to forge results. */
    if (hash_file(bin, 0) != (tsan ? ctx->bin_tsan_hash : ctx->bin_hash)) {
        out->status = TEST_FAILED;
        out->message = xstrdup("the test binary was modified by an earlier test run of this "
                               "submission: not graded");
        out->tsan_run = tsan;
        out->seed = run_seed;
        return;
    }
    char *scratch = scratch_dir(ctx);
    char *tsan_opts = xasprintf(
        "TSAN_OPTIONS=exitcode=%d atexit_sleep_ms=0 log_path=%s/tsan halt_on_error=0 "
        "detect_deadlocks=0 report_signal_unsafe=0 history_size=4",
        TSAN_EXIT, scratch);
    /* TSAN_OPTIONS only in ThreadSanitizer runs: the sandbox then lifts
     * RLIMIT_AS and mounts the scratch dir for the logs. */
    const char *env[] = { "PATH=/usr/bin:/bin", "LANG=C", tsan ? tsan_opts : NULL, NULL };
    tsan_clear(scratch);
    free(scratch);
    raw_run rr;
    run_binary(ctx, bin, args, env, timeout, &rr);
    memset(out, 0, sizeof *out);
    verdict(ctx, bin, t, &rr, tsan, out);
    out->tsan_run = tsan;
    out->seed = run_seed;
    raw_run_free(&rr);
    free(tsan_opts);
}

/* The k-th extra schedule seed of a run: derived, so a grading with the same
 * base seed makes the same runs; kept to 9 digits so students can type it. */
static uint64_t derived_seed(uint64_t base, unsigned k)
{
    uint64_t z = base + 0x9E3779B97F4A7C15ull * k;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (z ^ (z >> 31)) % 1000000000ull;
}

void run_test(const run_context *ctx, const test_info *t, test_outcome *out)
{
    run_once(ctx, t, false, ctx->seed, out);
    out->attempts = 1;
    /* Timing can fail on a busy machine: a timing failure must repeat before
     * it counts. Hangs and crashes are not timing failures. */
    while (t->category == CAT_TIMING && out->status == TEST_FAILED &&
           out->attempts < TIMING_ATTEMPTS) {
        test_outcome again;
        run_once(ctx, t, false, ctx->seed, &again);
        again.attempts = out->attempts + 1;
        test_outcome_free(out);
        *out = again;
    }
    /* Stress tests get more than one schedule: each extra run's noise comes
     * from a seed derived from the first. The JSON reports the seed of the
     * run that failed, so `grader replay` repeats exactly that run. */
    bool stress = t->category == CAT_RACE || t->category == CAT_DEADLOCK ||
                  t->category == CAT_ORDERING;
    for (unsigned k = 1; stress && k < STRESS_SEEDS && out->status == TEST_PASSED; k++) {
        test_outcome again;
        run_once(ctx, t, false, derived_seed(ctx->seed, k), &again);
        again.attempts = out->attempts;
        again.duration_ms += out->duration_ms;
        test_outcome_free(out);
        *out = again;
    }
    /* Race and deadlock tests also run under ThreadSanitizer. Its report
     * names the cause, so it leads the message even when the plain run
     * already failed; what the test saw follows. */
    bool wants_tsan = ctx->bin_tsan && (t->category == CAT_RACE || t->category == CAT_DEADLOCK);
    if (!wants_tsan || out->status == TEST_TIMEOUT || out->status == TEST_CRASHED ||
        out->engine_found)
        return;
    test_outcome ts;
    run_once(ctx, t, true, out->seed, &ts);
    ts.attempts = out->attempts;
    ts.duration_ms += out->duration_ms;
    if (out->status == TEST_PASSED) {
        test_outcome_free(out);
        *out = ts;
    } else if (ts.status != TEST_PASSED && ts.message &&
               strncmp(ts.message, "ThreadSanitizer", 15) == 0) {
        char *msg = xasprintf("%s (the test saw: %s)", ts.message, out->message);
        test_outcome_free(out);
        test_outcome_free(&ts);
        out->message = msg;
        out->tsan_run = true;
    } else {
        test_outcome_free(&ts);
    }
}

void test_outcome_free(test_outcome *o)
{
    free(o->message);
    o->message = NULL;
}
