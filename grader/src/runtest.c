/* runtest.c - see runtest.h.
 *
 * Runs a test binary in the sandbox with a fresh result channel, and
 * collects what the run left: the records that carry this run's token, the
 * exit status, ThreadSanitizer's report, the engine's records with their
 * code locations symbolised (sites.c). verdict.c decides what it means and
 * which run is due next.
 */
#include "runtest.h"
#include "pool.h"
#include "results_json.h"
#include "sites.h"
#include "timeline_text.h"
#include "verdict.h"
#include "tsan_report.h"
#include "util.h"
#include "../../sandbox/sandbox.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHAN_FD 3
#define TEST_OUTPUT_CAP (256u << 10)
#define CHAN_CAP (256u << 10)
#define JUDGE_CAP (256u << 10)

/* The only directory a test run may write (ThreadSanitizer's logs): the work
 * dir itself, which holds the test binaries, is read-only for the test. One
 * per process (WORK/scratch/PID), as a lesson's tests may run side by side;
 * WORK/scratch itself is ours (the sandbox hands over only the leaf). */
static char *scratch_dir(const run_context *ctx)
{
    char *parent = xasprintf("%s/scratch", ctx->workdir);
    mkdir(parent, 0755);
    free(parent);
    return xasprintf("%s/scratch/%ld", ctx->workdir, (long)getpid());
}

typedef struct raw_run {
    sbx_result res;
    char *records;  /* the lines from the channel that carry our token, token removed */
    char token[33];
    bool sandbox_failed;
    int judge_signal; /* the signal that ended the judge, when it was not ours: 0 */
} raw_run;

static void new_token(char token[33])
{
    uint64_t a = random_u64(), b = random_u64();
    snprintf(token, 33, "%016llx%016llx", (unsigned long long)a, (unsigned long long)b);
}

/* What is waiting on `fd` (the writer is gone), at most `cap` bytes,
 * NUL-terminated; *len its length. */
static char *read_waiting(int fd, size_t cap, size_t *len)
{
    char *buf = xmalloc(cap + 1);
    *len = 0;
    fcntl(fd, F_SETFL, O_NONBLOCK);
    while (*len < cap) {
        ssize_t n = read(fd, buf + *len, cap - *len);
        if (n <= 0)
            break;
        *len += (size_t)n;
    }
    buf[*len] = '\0';
    return buf;
}

/* Reads what the subject wrote and keeps only the lines with our token. */
static char *read_records(int fd, const char *token)
{
    size_t len;
    char *buf = read_waiting(fd, CHAN_CAP, &len);
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

/* Starts the judge: a child of ours, in its own process group (killed with
 * it), never sandboxed (it holds no student code) and never reachable from
 * the subject (which runs in the sandbox; the judge's fds are not passed).
 * `control` and `result` become the judge's --control and --result;
 * `witness` (-1: none), its --witness (the sandbox's witness, witness.c). */
static pid_t start_judge(const char *judge, const char *const *args, int control, int result,
                         int witness)
{
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    /* Non-CLOEXEC copies: what the judge keeps across exec. */
    int c = fcntl(control, F_DUPFD, 10), r = fcntl(result, F_DUPFD, 10);
    int s = witness >= 0 ? fcntl(witness, F_DUPFD, 10) : -1;
    int devnull = open("/dev/null", O_RDWR);
    if (c < 0 || r < 0 || (witness >= 0 && s < 0) || devnull < 0 || dup2(devnull, 0) < 0 ||
        dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0)
        _exit(127);
    /* Nothing else of ours: a judge that outlived its run (its Check child
     * is in a process group of its own) would hold our pipes open, and our
     * parent would wait for their end, the grading with it. */
    sbx_close_fds_except((const int[]){ c, r, s }, 3);
    char cbuf[16], rbuf[16], sbuf[16];
    snprintf(cbuf, sizeof cbuf, "%d", c);
    snprintf(rbuf, sizeof rbuf, "%d", r);
    snprintf(sbuf, sizeof sbuf, "%d", s);
    const char *argv[29]; /* judge, 17 args, 9 of ours, NULL */
    size_t n = 0;
    argv[n++] = judge;
    for (; args && *args && n < 18; args++)
        argv[n++] = *args;
    argv[n++] = "--control";
    argv[n++] = cbuf;
    argv[n++] = "--result";
    argv[n++] = rbuf;
    /* scripts/bench-split-share.sh measures what a round trip costs inside
     * a grading by adding no-op ones (the judge's --bench-extra-trips). It
     * can only slow a grading down; nothing else sets it. */
    const char *extra = getenv("GRADER_BENCH_EXTRA_TRIPS");
    if (extra && *extra) {
        argv[n++] = "--bench-extra-trips";
        argv[n++] = extra;
    }
    const char *copy = getenv("GRADER_BENCH_EVENT_COPY"); /* the same script's, for events */
    if (copy && strcmp(copy, "1") == 0)
        argv[n++] = "--bench-event-copy";
    if (s >= 0) {
        argv[n++] = "--witness";
        argv[n++] = sbuf;
    }
    argv[n] = NULL;
    const char *env[] = { "PATH=/usr/bin:/bin", "LANG=C", "CK_DEFAULT_TIMEOUT=0", NULL };
    execve(judge, (char *const *)argv, (char *const *)env);
    _exit(127);
}

/* The judge of one run, started once its subject runs (sbx_spec.on_start:
 * after the subject's cgroup move, which a judge starting on the other core
 * would slow down). Then we close our copies of both sides' fds: each side
 * sees the other's end as the end of its channel, the judge the subject's
 * exit at once, not when the sandbox has been taken down. */
typedef struct judge_start {
    const char *judge;
    const char *const *args;
    int control, result;   /* the judge's: -1 once handed over */
    int witness;           /* the judge's end of the witness's channel, or -1 */
    int subject_fds[3];    /* the subject's and the witness's (they have them now):
                              -1 once closed */
    pid_t pid;
} judge_start;

static void start_judge_now(void *arg)
{
    judge_start *js = arg;
    if (js->control < 0)
        return;
    js->pid = start_judge(js->judge, js->args, js->control, js->result, js->witness);
    close(js->control);
    close(js->result);
    if (js->witness >= 0)
        close(js->witness);
    js->control = js->result = js->witness = -1;
    for (int i = 0; i < 3; i++) {
        if (js->subject_fds[i] >= 0)
            close(js->subject_fds[i]);
        js->subject_fds[i] = -1;
    }
}

/* Waits for the judge at most `ms`, then kills its process group. The judge
 * (and its Check child) hold the write end of `result` until they exit: its
 * hang-up says they are done, with no polling interval. *stopped: whether
 * the kill at `ms` was ours (else a signal in the status came from
 * elsewhere: where subject and judge share a uid, from the subject). */
static int reap_judge(pid_t pid, int result, unsigned ms, bool *stopped)
{
    int status = -1;
    *stopped = false;
    double end = monotonic_ms() + ms;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR))
            break;
        double left = end - monotonic_ms();
        if (left <= 0) {
            *stopped = true;
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            break;
        }
        if (result < 0) {
            usleep(1000);
            continue;
        }
        /* No events asked: only the hang-up (or an error) ends the poll. */
        struct pollfd p = { result, 0, 0 };
        if (poll(&p, 1, left < 2 ? 1 : 2) <= 0)
            continue;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        break;
    }
    kill(-pid, SIGKILL); /* a Check child left behind */
    return status;
}

/* What the judge wrote: its records for `test` ("pass", "fail", "gone"). */
static char *read_judge_records(int fd, const char *test)
{
    size_t len;
    char *buf = read_waiting(fd, JUDGE_CAP, &len);
    char *out = xcalloc(1, len + 1);
    size_t olen = 0, tlen = strlen(test);
    for (char *line = buf; *line;) {
        char *nl = strchr(line, '\n');
        if (!nl)
            break;
        *nl = '\0';
        const char *sp = strchr(line, ' ');
        if (sp && strncmp(sp + 1, test, tlen) == 0 && (sp[1 + tlen] == ' ' || !sp[1 + tlen])) {
            size_t l = strlen(line);
            memcpy(out + olen, line, l);
            olen += l;
            out[olen++] = '\n';
        }
        line = nl + 1;
    }
    out[olen] = '\0';
    free(buf);
    return out;
}

/* One run of a test: the judge (`judge_args`) and the subject (`bin`, in
 * the sandbox, `subject_args`) side by side. rr->records: the judge's
 * records, then what the subject reported (engine findings, a crash). */
static void run_pair(const run_context *ctx, const char *bin, const char *const *subject_args,
                     const char *const *judge_args, bool tsan, unsigned timeout_ms, raw_run *rr)
{
    memset(rr, 0, sizeof *rr);
    new_token(rr->token);
    int chan[2] = { -1, -1 }, control[2] = { -1, -1 }, result[2] = { -1, -1 };
    int witness[2] = { -1, -1 };
    int one = 1;
    /* Where the run has namespaces of its own, a trusted helper inside
     * (sandbox/witness.c) serves the judge: a network lesson's tests are
     * the clients of the student's server and get their sockets from it,
     * and any test can ask it what the run's processes are and hold.
     * Elsewhere the network is ours and the judge makes its sockets itself. */
    sbx_caps caps;
    sbx_capabilities(&caps);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, chan) != 0 ||
        socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, control) != 0 ||
        pipe2(result, O_CLOEXEC) != 0 ||
        setsockopt(control[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0 ||
        (caps.pid_ns && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, witness) != 0)) {
        for (int i = 0; i < 2; i++) {
            if (chan[i] >= 0) close(chan[i]);
            if (control[i] >= 0) close(control[i]);
            if (result[i] >= 0) close(result[i]);
            if (witness[i] >= 0) close(witness[i]);
        }
        rr->sandbox_failed = true;
        rr->records = xstrdup("");
        return;
    }
    char tok[34];
    snprintf(tok, sizeof tok, "%s\n", rr->token);
    if (write(chan[0], tok, 33) != 33)
        rr->sandbox_failed = true;
    judge_start js = { ctx->judge, judge_args, control[0], result[1], witness[0],
                       { chan[1], control[1], witness[1] }, -1 };
    const char *argv[24];
    size_t n = 0;
    argv[n++] = bin;
    for (; subject_args && *subject_args && n < 18; subject_args++)
        argv[n++] = *subject_args;
    char chanarg[16], rpcarg[16];
    snprintf(chanarg, sizeof chanarg, "%d", chan[1]);
    snprintf(rpcarg, sizeof rpcarg, "%d", control[1]);
    argv[n++] = "--chan";
    argv[n++] = chanarg;
    argv[n++] = "--rpc";
    argv[n++] = rpcarg;
    argv[n] = NULL;
    char *scratch = scratch_dir(ctx);
    const char *env[] = { "PATH=/usr/bin:/bin", "LANG=C", NULL };
    sbx_spec spec = {
        .argv = argv,
        .envp = env,
        .workdir = ctx->workdir,
        /* Only TSan runs write there (logs), but both flavours see it. */
        .scratch_dir = scratch,
        .sanitizer = tsan,
        .wall_ms = timeout_ms,
        .cpu_ms = timeout_ms * 4, /* threads run on both cores */
        .output_cap = TEST_OUTPUT_CAP,
        .pass_fd = chan[1],
        .pass_fd2 = control[1],
        .network = ctx->l->network,
        .witness_fd = witness[1],
        .on_start = start_judge_now,
        .on_start_arg = &js,
    };
    if (!rr->sandbox_failed && sbx_run(&spec, &rr->res) != 0)
        rr->sandbox_failed = true;
    if (js.control >= 0) { /* the subject never started: no judge either */
        close(js.control);
        close(js.result);
        if (js.witness >= 0)
            close(js.witness);
        for (int i = 0; i < 3; i++)
            if (js.subject_fds[i] >= 0)
                close(js.subject_fds[i]);
        rr->sandbox_failed = true;
    }
    pid_t judge = js.pid;
    if (judge < 0)
        rr->sandbox_failed = true;
    free(scratch);
    /* The subject is gone: the judge's next wait ends at once. */
    if (judge > 0) {
        bool stopped;
        int st = reap_judge(judge, result[0], 5000, &stopped);
        rr->judge_signal = WIFSIGNALED(st) && !stopped ? WTERMSIG(st) : 0;
    }
    char *judged = read_judge_records(result[0], judge_args[1]);
    close(result[0]);
    /* What only the judge may say (pass, fail, gone..) never comes from the subject. */
    char *raw = read_records(chan[0], rr->token);
    close(chan[0]);
    char *subject = verdict_subject_records(raw);
    free(raw);
    rr->records = xasprintf("%s%s", judged, subject);
    free(judged);
    free(subject);
}

static void raw_run_free(raw_run *rr)
{
    sbx_result_free(&rr->res);
    free(rr->records);
}

/* ---- listing ------------------------------------------------------------- */

/* The tests, from the judge (course code only: nothing the student wrote
 * chooses a test's name, category or time limit). */
int list_tests(const run_context *ctx, test_info **tests, size_t *n, char **err)
{
    *tests = NULL;
    *n = 0;
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) {
        *err = xasprintf("could not list the tests: %s", strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out[1], 1) < 0)
            _exit(127);
        const char *argv[] = { ctx->judge, "--list", NULL };
        const char *env[] = { "PATH=/usr/bin:/bin", "LANG=C", NULL };
        execve(ctx->judge, (char *const *)argv, (char *const *)env);
        _exit(127);
    }
    close(out[1]);
    char *listing = xmalloc(JUDGE_CAP + 1);
    size_t len = 0;
    while (pid > 0 && len < JUDGE_CAP) {
        ssize_t r = read(out[0], listing + len, JUDGE_CAP - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    listing[len] = '\0';
    close(out[0]);
    int status = -1;
    bool stopped;
    if (pid > 0)
        status = reap_judge(pid, -1, 10000, &stopped);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !strstr(listing, "end\n")) {
        *err = xstrdup("the lesson's tests did not list themselves");
        free(listing);
        return -1;
    }
    size_t cap = 16;
    test_info *t = xcalloc(cap, sizeof *t);
    for (const char *line = listing; line && *line;) {
        char name[128], cat[32], vis[16], mode[16];
        unsigned timeout;
        int fields = sscanf(line, "test %127s %31s %u %15s %15s", name, cat, &timeout, vis, mode);
        if (fields >= 4) {
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
                free(listing);
                return -1;
            }
            t[*n] = (test_info){ xstrdup(name), c,
                                 timeout ? timeout : ctx->l->test_timeout_ms,
                                 strcmp(vis, "hidden") == 0,
                                 fields == 5 && strcmp(mode, "virtual") == 0 };
            (*n)++;
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    free(listing);
    *tests = t;
    return 0;
}

void free_tests(test_info *tests, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(tests[i].name);
    free(tests);
}

/* ---- one run ------------------------------------------------------------- */

/* "busy waiting: threads 3, 4..." with the place the first named (the
 * busiest) was looping: "busy waiting in FUNC (FILE:LINE): threads 3, 4...".
 * NULL when the text is not of that shape. */
static char *spin_placed(const char *spin, const char *where)
{
    static const char head[] = "busy waiting: ";
    if (strncmp(spin, head, sizeof head - 1) != 0)
        return NULL;
    return xasprintf("busy waiting %s: %s", where, spin + sizeof head - 1);
}

/* True when a test's message names code as " at @HEX". */
static bool names_sites(const char *msg)
{
    for (const char *p = msg ? strstr(msg, " at @") : NULL; p; p = strstr(p + 1, " at @"))
        if (isxdigit((unsigned char)p[5]))
            return true;
    return false;
}

/* The text of the first (or last) record of a kind, symbolised; NULL. */
static char *symbolised(const run_context *ctx, const char *bin, const char *records,
                        const char *kind, bool last)
{
    char *text = record_text(records, kind, last);
    if (!text)
        return NULL;
    char *where = sites_symbolize(text, bin, ctx->workdir);
    free(text);
    return where;
}

/* A failure's timeline (the subject's last "timeline" record), its sites
 * named where they are the student's; NULL for a pass (noise there). */
static char *failure_timeline(const run_context *ctx, const char *bin, bool tsan,
                              const char *records, const test_outcome *out, code_range *student)
{
    if (out->status == TEST_PASSED)
        return NULL;
    char *text = record_text(records, "timeline", true);
    if (!text)
        return NULL;
    if (student->lo == student->hi)
        student_range_of_build(ctx->workdir, tsan, bin, student);
    char *file = xasprintf("%s.c", ctx->l->slug);
    char *lines = timeline_symbolized(text, bin, ctx->workdir, file, student);
    free(file);
    free(text);
    return lines;
}

static void run_once(const run_context *ctx, const test_info *t, bool tsan, uint64_t run_seed,
                     test_outcome *out)
{
    const char *bin = tsan ? ctx->bin_tsan : ctx->bin;
    run_evidence e = { .output_cap_kib = TEST_OUTPUT_CAP >> 10, .records = "" };
    /* Where the sandbox is weak (no namespaces, same user), an earlier run
     * could have rewritten the test binary to forge results. */
    if (ctx->check_binaries && (hash_file(bin, 0) != (tsan ? ctx->bin_tsan_hash : ctx->bin_hash) ||
                                hash_file(ctx->judge, 0) != ctx->judge_hash)) {
        e.binary_modified = true;
        verdict_of_run(&e, t->category, t->timeout_ms, tsan, run_seed, out);
    if (out->status == TEST_FAILED && !out->engine_found && names_sites(out->message)) {
        /* The test's own words, naming the student's lines as " at @HEX"
         * (harness_fds_left, harness_children_left). */
        char *named = sites_symbolize(out->message, bin, ctx->workdir);
        free(out->message);
        out->message = named;
    }
        return;
    }
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)run_seed);
    /* ThreadSanitizer slows code down 5-15 times: give it room. */
    unsigned timeout = tsan ? t->timeout_ms * 3 : t->timeout_ms;
    char limit[16];
    snprintf(limit, sizeof limit, "%u", timeout);
    char *scratch = scratch_dir(ctx);
    /* Both flavours get the same arguments and environment, so the student's
     * code cannot tell a ThreadSanitizer run by them: no TSAN_OPTIONS (the
     * subject's __tsan_default_options gives TSan its options), and the log
     * directory for both (the plain subject ignores it). */
    const char *args[] = { "--test", t->name, "--seed", seed, "--category",
                           category_names[t->category], "--timeout", limit, "--log-dir", scratch,
                           NULL };
    const char *judge_args[] = { "--run", t->name, "--seed", seed, "--flavour",
                                 tsan ? "tsan" : "plain", "--timeout", limit, NULL };
    tsan_clear(scratch);
    raw_run rr;
    run_pair(ctx, bin, args, judge_args, tsan, timeout, &rr);

    char *tsan_report = tsan ? tsan_summarize(scratch, ctx->l, ctx->workdir, bin) : NULL;
    char *deadlock = symbolised(ctx, bin, rr.records, "deadlock", false);
    char *leak = symbolised(ctx, bin, rr.records, "leak", false);
    /* addr2line costs a sandboxed run: only for the evidence verdict.c can
     * use (lock order judges deadlock tests; a hang report, a timeout). */
    char *lockorder = t->category == CAT_DEADLOCK
                          ? symbolised(ctx, bin, rr.records, "lockorder", false)
                          : NULL;
    char *misuse = symbolised(ctx, bin, rr.records, "misuse", false);
    char *overflow = symbolised(ctx, bin, rr.records, "overflow", false);
    char *spin = symbolised(ctx, bin, rr.records, "spin", false);
    const char *spin_at = spin ? verdict_find_record(rr.records, "spin_at") : NULL;
    bool timed_out = rr.res.timed_out || rr.res.cpu_exceeded;
    char *hang = timed_out ? symbolised(ctx, bin, rr.records, "hang", true) : NULL;
    const char *crash = verdict_find_record(rr.records, "crash");
    char *student_file = xasprintf("%s.c", ctx->l->slug);
    code_range student = { 0, 0 };
    if (crash || spin_at)
        student_range_of_build(ctx->workdir, tsan, bin, &student);
    char *crash_where =
        crash ? sites_crash_location(crash, bin, ctx->workdir, student_file, &student) : NULL;
    if (spin_at) {
        /* "ID OFFSET...": the busiest spinner's stack, the shape of a crash's. */
        char *where = sites_crash_location(spin_at, bin, ctx->workdir, student_file, &student);
        char *placed = where ? spin_placed(spin, where) : NULL;
        if (placed) {
            free(spin);
            spin = placed;
        }
        free(where);
    }
    e.sandbox_failed = rr.sandbox_failed;
    e.wait_status = rr.res.status;
    e.judge_signal = rr.judge_signal;
    e.timed_out = timed_out;
    e.output_limit = rr.res.output_limit;
    e.memory_limit = rr.res.memory_limit;
    e.memory_limit_mib = (unsigned)(rr.res.memory_bytes >> 20);
    e.scratch_limit = rr.res.scratch_limit;
    e.scratch_limit_mib = rr.res.scratch_limit_mib;
    e.scratch_limit_files = rr.res.scratch_limit_files;
    e.records = rr.records;
    e.tsan_report = tsan_report;
    e.deadlock = deadlock;
    e.lockorder = lockorder;
    e.misuse = misuse;
    e.overflow = overflow;
    e.spin = spin;
    e.hang = hang;
    e.leak = leak;
    e.crash_where = crash_where;
    e.wall_ms = rr.res.wall_ms;
    verdict_of_run(&e, t->category, t->timeout_ms, tsan, run_seed, out);
    if (out->status == TEST_FAILED && !out->engine_found && names_sites(out->message)) {
        /* The test's own words, naming the student's lines as " at @HEX"
         * (harness_fds_left, harness_children_left). */
        char *named = sites_symbolize(out->message, bin, ctx->workdir);
        free(out->message);
        out->message = named;
    }
    out->timeline = failure_timeline(ctx, bin, tsan, rr.records, out, &student);

    free(tsan_report);
    free(deadlock);
    free(leak);
    free(lockorder);
    free(misuse);
    free(overflow);
    free(spin);
    free(hang);
    free(student_file);
    free(crash_where);
    raw_run_free(&rr);
    free(scratch);
}

json_t *test_outcome_to_json(const test_outcome *out)
{
    json_t *j = json_pack("{s:i, s:f, s:i, s:b, s:I, s:b, s:b}", "status", (int)out->status,
                          "duration_ms", out->duration_ms, "attempts", out->attempts, "tsan_run",
                          out->tsan_run, "seed", (json_int_t)out->seed, "engine_found",
                          out->engine_found, "virtual_time", out->virtual_time);
    if (out->message)
        json_object_set_new(j, "message", json_text(out->message, MESSAGE_MAX));
    if (out->timeline)
        json_object_set_new(j, "timeline", results_timeline(out->timeline));
    return j;
}

void test_outcome_from_json(json_t *j, const char *failure, test_outcome *out)
{
    memset(out, 0, sizeof *out);
    int status = (int)json_integer_value(json_object_get(j, "status"));
    if (!j || status < TEST_PASSED || status > TEST_CRASHED) {
        out->status = TEST_FAILED;
        out->message = xstrdup(failure ? failure : "the grader could not run this test");
        out->attempts = 1;
        return;
    }
    out->status = (enum test_status)status;
    out->duration_ms = json_number_value(json_object_get(j, "duration_ms"));
    out->attempts = (int)json_integer_value(json_object_get(j, "attempts"));
    out->tsan_run = json_is_true(json_object_get(j, "tsan_run"));
    out->seed = (uint64_t)json_integer_value(json_object_get(j, "seed"));
    out->engine_found = json_is_true(json_object_get(j, "engine_found"));
    out->virtual_time = json_is_true(json_object_get(j, "virtual_time"));
    const char *m = json_string_value(json_object_get(j, "message"));
    out->message = m ? xstrdup(m) : NULL;
    out->timeline = results_timeline_lines(json_object_get(j, "timeline"));
}

/* ---- runs ahead of time, side by side ------------------------------------ */

#define MAX_AHEAD 4

typedef struct ahead_run {
    bool tsan;
    uint64_t seed;
    enum next_run kind; /* what the rules asked for (run 0: the first) */
    bool used;
    test_outcome out;
} ahead_run;

typedef struct ahead {
    const run_context *ctx;
    const test_info *t;
    ahead_run runs[MAX_AHEAD];
    size_t n;
    /* run_test's loop, followed as the runs come in (ahead_plan_broken) */
    test_outcome so_far;
    bool started;
    unsigned schedules;
    bool tsan_done;
} ahead;

static json_t *ahead_piece(size_t i, FILE *progress, void *arg)
{
    (void)progress;
    ahead *a = arg;
    test_outcome out;
    run_once(a->ctx, a->t, a->runs[i].tsan, a->runs[i].seed, &out);
    json_t *j = test_outcome_to_json(&out);
    test_outcome_free(&out);
    return j;
}

/* The runs were planned on the assumption that every run passes. Once run
 * i is in, run_test's rules are followed on the real outcomes so far: when
 * they ask for no run, or another run than the one planned next, the runs
 * after i are not wanted (a hang's TSan run would otherwise hold the test
 * for its own, longer, limit). */
static bool ahead_plan_broken(size_t i, const json_t *result, void *arg)
{
    ahead *a = arg;
    test_outcome got;
    test_outcome_from_json((json_t *)result, result ? NULL : "no result", &got);
    if (!a->started) {
        a->so_far = got;
        a->started = true;
    } else {
        verdict_fold(&a->so_far, &got, a->runs[i].kind);
    }
    enum next_run next = verdict_next_run(a->t->category, &a->so_far, a->schedules,
                                          a->ctx->bin_tsan != NULL, a->tsan_done);
    if (next == NEXT_NONE || i + 1 >= a->n)
        return true;
    uint64_t seed = verdict_next_seed(next, a->ctx->seed, a->schedules, &a->so_far);
    a->schedules += next == NEXT_OTHER_SCHEDULE;
    a->tsan_done |= next == NEXT_TSAN;
    const ahead_run *r = &a->runs[i + 1];
    return r->kind != next || r->tsan != (next == NEXT_TSAN) || r->seed != seed;
}

/* With cores to spare, the runs a passing test will need (verdict.c's rules
 * followed on the assumption that every run passes) are made at once,
 * `ctx->parallel_runs` side by side. run_test then takes each run the rules
 * ask for from here when it was made, so the verdict is the one a sequential
 * grading gives; a run that is not asked for (an early failure) is dropped. */
static void run_ahead(const run_context *ctx, const test_info *t, ahead *a)
{
    memset(a, 0, sizeof *a);
    a->ctx = ctx;
    a->t = t;
    a->schedules = 1;
    if (ctx->parallel_runs < 2)
        return;
    test_outcome sim = { .status = TEST_PASSED, .attempts = 1, .seed = ctx->seed };
    unsigned schedules = 1;
    bool tsan_done = false;
    a->runs[a->n++] = (ahead_run){ .tsan = false, .seed = ctx->seed };
    while (a->n < MAX_AHEAD) {
        enum next_run next =
            verdict_next_run(t->category, &sim, schedules, ctx->bin_tsan != NULL, tsan_done);
        if (next == NEXT_NONE)
            break;
        sim.seed = verdict_next_seed(next, ctx->seed, schedules, &sim);
        a->runs[a->n++] = (ahead_run){ .tsan = next == NEXT_TSAN, .seed = sim.seed, .kind = next };
        schedules += next == NEXT_OTHER_SCHEDULE;
        tsan_done |= next == NEXT_TSAN;
    }
    if (a->n < 2) {
        a->n = 0; /* one run: nothing to overlap */
        return;
    }
    json_t *results[MAX_AHEAD] = { 0 };
    char *failures[MAX_AHEAD] = { 0 };
    pool_run_until(a->n, ctx->parallel_runs, ahead_piece, a, ahead_plan_broken, sbx_cancel,
                   "test run", results, failures);
    size_t made = a->n;
    for (size_t i = 0; i < a->n; i++) {
        if (failures[i] && strcmp(failures[i], "cancelled") == 0 && made == a->n)
            made = i; /* from here on not made: run_test makes what it asks for */
        if (i < made)
            test_outcome_from_json(results[i], failures[i], &a->runs[i].out);
        json_decref(results[i]);
        free(failures[i]);
    }
    a->n = made;
    if (a->started)
        test_outcome_free(&a->so_far);
}

/* The run (tsan, seed): made ahead of time, or now. */
static void take_run(ahead *a, bool tsan, uint64_t seed, test_outcome *out)
{
    for (size_t i = 0; i < a->n; i++) {
        ahead_run *r = &a->runs[i];
        if (!r->used && r->tsan == tsan && r->seed == seed) {
            r->used = true;
            *out = r->out;
            memset(&r->out, 0, sizeof r->out);
            return;
        }
    }
    run_once(a->ctx, a->t, tsan, seed, out);
}

void run_test(const run_context *ctx, const test_info *t, test_outcome *out)
{
    ahead a;
    run_ahead(ctx, t, &a);
    take_run(&a, false, ctx->seed, out);
    unsigned schedules = 1;
    bool tsan_done = false;
    for (;;) {
        enum next_run next =
            verdict_next_run(t->category, out, schedules, ctx->bin_tsan != NULL, tsan_done);
        if (next == NEXT_NONE)
            break;
        test_outcome again;
        take_run(&a, next == NEXT_TSAN, verdict_next_seed(next, ctx->seed, schedules, out),
                 &again);
        schedules += next == NEXT_OTHER_SCHEDULE;
        tsan_done |= next == NEXT_TSAN;
        verdict_fold(out, &again, next);
    }
    for (size_t i = 0; i < a.n; i++)
        test_outcome_free(&a.runs[i].out);
}
