/* cmd_stress.c - `grader stress [options] -- PROGRAM [ARGS]` or
 * `grader stress [options] prog.c [more.c ...] [-- ARGS]`.
 *
 * Runs any dynamically linked pthread program again and again, each run with
 * the next seed, under the engine's LD_PRELOAD library (libgrader_engine.so,
 * built beside the grader): schedule noise, spurious wake-ups, deadlock and
 * lock-order checks, hang reports. Given sources, it builds the program
 * itself, plain and with ThreadSanitizer (stress_build.c), and runs both
 * flavours, the TSan one every TSAN_EVERY-th run. The TSan flavour runs
 * without the engine: preloaded behind TSan's interceptors, the engine
 * would see calls made from inside TSan's own wrappers (sites outside the
 * program, and a mutex accounting that reports correct code as a misuse);
 * TSan's happens-before analysis finds races whatever the schedule, and
 * reports lock-order inversions and mutex misuse itself. It gets only the
 * scheduling points at atomic operations (libgrader_atomics.so: atomics.c),
 * where spin locks and lock-free code have their windows. Stops at the first run that
 * goes wrong and prints a JSON report: status ok, build (the compiler's
 * first errors), assertion (a failed assert() or another abort), crash,
 * failed (non-zero exit), race (a ThreadSanitizer report), deadlock (with
 * the cycle; "potential" when the lock-order graph has an unprotected cycle
 * but the run did not hang), misuse (of the pthread API, with the line: see
 * grader/harness/misuse.c), timeout (with what every thread waited for), or,
 * with --compare-output, nondeterministic (two runs printed different
 * stdout). Assertions, crashes and races carry the program's "file" and
 * "line"; a failing run's last synchronisation events are in "timeline".
 * Exit status 0 ok, 3 a problem was found, 1 the grader failed, 2 bad
 * usage. The program is the caller's own and is trusted: it runs outside
 * the sandbox, in its own process group.
 */
#include "commands.h"
#include "../../sandbox/sandbox.h"
#include "results_json.h"
#include "sites.h"
#include "stress_build.h"
#include "timeline_text.h"
#include "tsan_report.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OUTPUT_TAIL 2000
#define STDOUT_KEEP (1u << 20) /* stdout compared between runs, at most */
#define TSAN_EVERY 4           /* source mode: run 2, 6, 10... is the TSan flavour */
#define TSAN_SLOWDOWN 3        /* its timeout is this many times longer */

extern char **environ;

static int usage(FILE *f)
{
    fprintf(f, "usage: grader stress [options] -- PROGRAM [ARGS]\n"
               "       grader stress [options] prog.c [more.c ...] [-- ARGS]\n"
               "  --seconds N        keep running the program for N seconds (default 10)\n"
               "  --seed S           the first run's seed (default: random); run k uses S+k\n"
               "  --timeout MS       one run taking longer is a hang (default 5000)\n"
               "  --compare-output   two runs whose stdout differs: status nondeterministic\n"
               "  --virtual-time     the program's clocks, sleeps and timed waits run in\n"
               "                     virtual time: it jumps ahead when every thread is\n"
               "                     blocked, and all threads blocked with nothing to wait\n"
               "                     for is a deadlock (no ThreadSanitizer runs then)\n"
               "  --no-recursive-mutex  locking a recursive mutex is a misuse\n"
               "Given sources, the program is built with $CC (default cc) -std=c17 -g\n"
               "-pthread, and with ThreadSanitizer; both run. Exit status: 0 no problem\n"
               "found, 3 a problem was found, 1 grader failure, 2 bad usage. The JSON\n"
               "report goes to stdout, a summary to stderr.\n");
    return f == stdout ? 0 : 2;
}

/* A library built beside the grader binary (libgrader_engine.so, ...). */
static char *library_beside_grader(const char *name)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return NULL;
    self[n] = '\0';
    char *lib = xasprintf("%s/%s", dirname(self), name);
    if (!is_file(lib)) {
        free(lib);
        return NULL;
    }
    return lib;
}

/* One way to run the program: its binary and what to preload. */
typedef struct flavour {
    char *bin;
    char *preload; /* LD_PRELOAD's value: the engine; for the TSan flavour only the
                      points at atomic operations (libgrader_atomics.so), or NULL */
    bool tsan;
} flavour;

typedef struct stress_run {
    int status;        /* wait status */
    bool timed_out;
    char *records;     /* what the engine wrote */
    char *output;      /* the tail of stdout, then of stderr */
    char *out;         /* stdout, its first STDOUT_KEEP bytes */
    char *err;         /* the tail of stderr (a TSan report) */
} stress_run;

static char *read_all(int fd, size_t keep_tail)
{
    size_t cap = 65536, len = 0;
    char *buf = xmalloc(cap + 1);
    char chunk[8192];
    ssize_t n;
    lseek(fd, 0, SEEK_SET);
    while ((n = read(fd, chunk, sizeof chunk)) > 0) {
        if (len + (size_t)n > cap) {
            size_t drop = len + (size_t)n - cap;
            memmove(buf, buf + drop, len - drop);
            len -= drop;
        }
        memcpy(buf + len, chunk, (size_t)n);
        len += (size_t)n;
    }
    buf[len] = '\0';
    if (keep_tail && len > keep_tail)
        memmove(buf, buf + len - keep_tail, keep_tail + 1);
    return buf;
}

/* The first `cap` bytes of fd. */
static char *read_head(int fd, size_t cap)
{
    char *buf = xmalloc(cap + 1);
    size_t len = 0;
    ssize_t n;
    lseek(fd, 0, SEEK_SET);
    while (len < cap && (n = read(fd, buf + len, cap - len)) > 0)
        len += (size_t)n;
    buf[len] = '\0';
    return buf;
}

static int temp_fd(void)
{
    char path[] = "/tmp/grader-stress-XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0)
        unlink(path);
    return fd;
}

static void close_all(const int *fds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

static int run_once(char **argv, const flavour *fl, uint64_t seed, unsigned timeout_ms,
                    stress_run *r)
{
    memset(r, 0, sizeof r[0]);
    int fds[3] = { temp_fd(), temp_fd(), temp_fd() }; /* records, stdout, stderr */
    int rec = fds[0], out = fds[1], err = fds[2];
    if (rec < 0 || out < 0 || err < 0) {
        close_all(fds, 3);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close_all(fds, 3);
        return -1;
    }
    if (pid == 0) {
        setpgid(0, 0);
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        dup2(out, 1);
        dup2(err, 2);
        char fdnum[16], seeds[32], stall[16];
        snprintf(fdnum, sizeof fdnum, "%d", rec);
        snprintf(seeds, sizeof seeds, "%llu", (unsigned long long)seed);
        snprintf(stall, sizeof stall, "%u", timeout_ms / 4 < 200 ? 200 : timeout_ms / 4);
        if (fl->preload) {
            setenv("LD_PRELOAD", fl->preload, 1);
            setenv("GRADER_ENGINE_FD", fdnum, 1);
            setenv("GRADER_SEED", seeds, 1);
            setenv("GRADER_STALL_MS", stall, 1);
        }
        if (fl->tsan) /* stop at the first report; its exit status marks it */
            setenv("TSAN_OPTIONS", "exitcode=66 halt_on_error=1 report_signal_unsafe=0", 1);
        execvp(fl->bin ? fl->bin : argv[0], argv);
        fprintf(stderr, "grader stress: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);
    double start = monotonic_ms(), end = start + timeout_ms;
    for (;;) {
        pid_t w = waitpid(pid, &r->status, WNOHANG);
        if (w == pid)
            break;
        if (monotonic_ms() > end) {
            /* Time a loaded machine kept it from a CPU does not count. */
            double owed = sbx_tree_run_delay_ms(pid, monotonic_ms() - start),
                   most = SBX_STARVED_CREDIT * timeout_ms;
            end = start + timeout_ms + (owed < most ? owed : most);
        }
        if (monotonic_ms() > end) {
            r->timed_out = true;
            kill(-pid, SIGKILL);
            waitpid(pid, &r->status, 0);
            break;
        }
        struct timespec ts = { 0, 5 * 1000000L };
        nanosleep(&ts, NULL);
    }
    kill(-pid, SIGKILL); /* anything it left behind */
    r->records = read_all(rec, 0);
    r->out = read_head(out, STDOUT_KEEP);
    r->err = read_all(err, 0);
    char *out_tail = read_all(out, OUTPUT_TAIL / 2);
    size_t elen = strlen(r->err);
    const char *err_tail = elen > OUTPUT_TAIL / 2 ? r->err + elen - OUTPUT_TAIL / 2 : r->err;
    r->output = xasprintf("%s%s", out_tail, err_tail);
    free(out_tail);
    close_all(fds, 3);
    return 0;
}

static void run_free(stress_run *r)
{
    free(r->records);
    free(r->output);
    free(r->out);
    free(r->err);
}

/* What a failing run tells: its status, message, and where. */
typedef struct finding {
    const char *status; /* NULL: fine */
    char *message;
    bool potential;
    char *file; /* the program's file:line, when known */
    unsigned line;
} finding;

static void finding_free(finding *f)
{
    free(f->message);
    free(f->file);
}

/* "FILE:LINE" or "FILE:LINE:COLUMN" (a path allowed), the `n` bytes at
 * `s`: into f. The line's colon is the first one followed by digits and
 * colons only. */
static bool take_location(finding *f, const char *s, size_t n)
{
    const char *colon = NULL;
    for (size_t i = 1; i + 1 < n && !colon; i++) {
        if (s[i] != ':' || s[i + 1] < '1' || s[i + 1] > '9')
            continue;
        size_t j = i + 1;
        while (j < n && ((s[j] >= '0' && s[j] <= '9') || s[j] == ':'))
            j++;
        if (j == n)
            colon = s + i;
    }
    if (!colon)
        return false;
    char *path = xasprintf("%.*s", (int)(colon - s), s);
    free(f->file);
    f->file = xstrdup(basename(path));
    f->line = (unsigned)strtoul(colon + 1, NULL, 10);
    free(path);
    return true;
}

/* glibc's "PROG: FILE:LINE: FUNCTION: Assertion `EXPR' failed." in the
 * program's stderr: the message is that line from FILE on. */
static bool assertion_location(const char *err, finding *f)
{
    const char *a = strstr(err, ": Assertion `");
    if (!a)
        return false;
    const char *bol = a;
    while (bol > err && bol[-1] != '\n')
        bol--;
    const char *eol = strchr(a, '\n');
    size_t len = eol ? (size_t)(eol - bol) : strlen(bol);
    /* PROG: FILE:LINE: FUNCTION: Assertion - FILE:LINE is the field before
     * the function's. */
    const char *p = strstr(bol, ": ");
    if (!p || p >= a)
        return false;
    const char *loc = p + 2, *loc_end = strstr(loc, ": ");
    if (!loc_end || loc_end >= a || !take_location(f, loc, (size_t)(loc_end - loc)))
        return false;
    f->message = xasprintf("%.*s", (int)(len - (size_t)(loc - bol)), loc);
    return true;
}

/* The first frame of the preload library's "crash" record (or the engine's
 * "spin_at": a busy waiter's stack) that addr2line names (a frame of the
 * program: the records keep only those). */
static bool crash_location(const char *records, const char *kind, const char *bin, finding *f)
{
    char *text = record_text(records, kind, false);
    if (!text)
        return false;
    bool found = false;
    char *save = NULL;
    strtok_r(text, " ", &save); /* the signal, or the spinning thread */
    for (char *w = strtok_r(NULL, " ", &save); w && !found; w = strtok_r(NULL, " ", &save)) {
        char *site = xasprintf("@%s", w);
        char *where = sites_symbolize(site, bin, NULL);
        if (where && strcmp(where, "?") != 0)
            found = take_location(f, where, strlen(where));
        free(where);
        free(site);
    }
    free(text);
    return found;
}

/* A ThreadSanitizer report in stderr: its kind (from "WARNING:
 * ThreadSanitizer: KIND (") and its SUMMARY line's FILE:LINE. */
static const char *tsan_finding(const char *err, const char *source, finding *f)
{
    const char *w = strstr(err, "WARNING: ThreadSanitizer: ");
    if (!w)
        w = strstr(err, "ERROR: ThreadSanitizer: ");
    if (!w)
        return NULL;
    const char *kind = strstr(w, "ThreadSanitizer: ") + strlen("ThreadSanitizer: ");
    size_t klen = strcspn(kind, "(\n");
    while (klen && kind[klen - 1] == ' ')
        klen--;
    const char *status = "race";
    if (strncmp(kind, "lock-order-inversion", 20) == 0) {
        status = "deadlock";
        f->potential = true;
    } else if (strncmp(kind, "SEGV", 4) == 0 || strncmp(kind, "heap-use-after-free", 19) == 0) {
        status = "crash";
    } else if (strncmp(kind, "data race", 9) != 0 && strncmp(kind, "thread leak", 11) != 0) {
        status = "misuse"; /* unlock of an unlocked mutex, signal-unsafe call... */
    }
    /* "SUMMARY: ThreadSanitizer: data race /w/x.c:17 in f": its kind may be
     * shorter than the heading's ("SEGV /w/x.c:22 in worker" after "SEGV on
     * unknown address 0x0"): the place is its first word that is FILE:LINE. */
    const char *sum = strstr(w, "SUMMARY: ThreadSanitizer: ");
    if (sum) {
        const char *word = sum + strlen("SUMMARY: ThreadSanitizer: ");
        while (*word && *word != '\n') {
            size_t n = strcspn(word, " \n");
            if (n && take_location(f, word, n))
                break;
            word += n;
            while (*word == ' ')
                word++;
        }
    }
    char *summary = source ? tsan_summarize_text(err, source, NULL, 0) : NULL;
    f->message = summary ? summary : xasprintf("ThreadSanitizer: %.*s", (int)klen, kind);
    return status;
}

/* The verdict of one run. `source`: the first source file's basename
 * (source mode), for ThreadSanitizer's report. */
static void judge(const stress_run *r, const flavour *fl, const char *source, finding *f)
{
    char *text;
    memset(f, 0, sizeof f[0]);
    if ((text = record_text(r->records, "deadlock", false))) {
        f->message = sites_symbolize(text, fl->bin, NULL);
        free(text);
        f->status = "deadlock";
        return;
    }
    /* Before a hang or an exit: a misuse is often their cause. */
    if ((text = record_text(r->records, "misuse", false))) {
        f->message = sites_symbolize(text, fl->bin, NULL);
        free(text);
        f->status = "misuse";
        return;
    }
    if ((text = record_text(r->records, "spin", false))) {
        crash_location(r->records, "spin_at", fl->bin, f); /* the line it loops on */
        f->message = sites_symbolize(text, fl->bin, NULL);
        free(text);
        f->status = "busy-wait";
        return;
    }
    if (fl->tsan && (f->status = tsan_finding(r->err, source, f)))
        return;
    if (r->timed_out) {
        text = record_text(r->records, "hang", true);
        f->message = text ? sites_symbolize(text, fl->bin, NULL)
                          : xstrdup("no progress report: it may be computing, not waiting");
        free(text);
        f->status = "timeout";
        return;
    }
    if (WIFSIGNALED(r->status)) {
        int sig = WTERMSIG(r->status);
        f->status = sig == SIGABRT ? "assertion" : "crash";
        if (sig == SIGABRT && assertion_location(r->err, f))
            return;
        crash_location(r->records, "crash", fl->bin, f);
        f->message = f->file ? xasprintf("killed by signal %d (%s) at %s:%u", sig, strsignal(sig),
                                         f->file, f->line)
                             : xasprintf("killed by signal %d (%s)", sig, strsignal(sig));
        return;
    }
    if (WIFEXITED(r->status) && WEXITSTATUS(r->status) != 0) {
        f->message = xasprintf("exited with status %d", WEXITSTATUS(r->status));
        f->status = "failed";
        return;
    }
    if ((text = record_text(r->records, "lockorder", false))) {
        char *where = sites_symbolize(text, fl->bin, NULL);
        f->message = xasprintf("lock-order inversion (this run did not hang, another may): %s",
                               where);
        free(where);
        free(text);
        f->potential = true;
        f->status = "deadlock";
    }
}

/* --compare-output: the first line where a and b differ (1-based), its
 * text in each (malloc'd), or 0 when they are the same. */
static unsigned first_difference(const char *a, const char *b, char **la, char **lb)
{
    unsigned line = 1;
    for (;;) {
        size_t na = strcspn(a, "\n"), nb = strcspn(b, "\n");
        if (na != nb || memcmp(a, b, na) != 0 || (a[na] == '\0') != (b[nb] == '\0')) {
            *la = a[na] || na ? xasprintf("%.*s", (int)na, a) : xstrdup("(end of output)");
            *lb = b[nb] || nb ? xasprintf("%.*s", (int)nb, b) : xstrdup("(end of output)");
            return line;
        }
        if (a[na] == '\0')
            return 0;
        a += na + 1;
        b += nb + 1;
        line++;
    }
}

/* PROGRAM as a path addr2line can read (searched in PATH like execvp). */
static char *program_path(const char *prog)
{
    if (strchr(prog, '/'))
        return xstrdup(prog);
    char *p = find_in_path(prog);
    return p ? p : xstrdup(prog);
}

static bool is_source(const char *arg)
{
    size_t n = strlen(arg);
    return n > 2 && strcmp(arg + n - 2, ".c") == 0;
}

/* The failing run's timeline, its sites named (the whole program is the
 * caller's code), as JSON lines; NULL when the run wrote none. */
static char *run_timeline(const stress_run *r, const flavour *fl)
{
    char *text = record_text(r->records, "timeline", true);
    if (!text)
        return NULL;
    code_range all = { 0, UINT64_MAX };
    char *lines = timeline_symbolized(text, fl->bin, NULL, "", &all);
    free(text);
    return lines;
}

/* Builds the two flavours into dir; a build error is the report. */
static int build_flavours(char **srcs, size_t n, const char *dir, const char *lib,
                          flavour fl[2], int *nfl, json_t *report)
{
    char *errors;
    fl[0].bin = stress_build(srcs, n, dir, false, &errors);
    if (!fl[0].bin) {
        json_object_set_new(report, "status", json_string("build"));
        json_object_set_new(report, "message", json_string(errors));
        fprintf(stderr, "grader stress: the program does not build:\n%s\n", errors);
        free(errors);
        return -1;
    }
    fl[0].preload = xstrdup(lib);
    *nfl = 1;
    fl[1].bin = stress_build(srcs, n, dir, true, &errors);
    if (fl[1].bin) {
        fl[1].tsan = true;
        fl[1].preload = library_beside_grader("libgrader_atomics.so");
        *nfl = 2;
    } else {
        char *why = xasprintf("unavailable: %s", errors);
        json_object_set_new(report, "tsan", json_string(why));
        free(why);
        free(errors);
    }
    return 0;
}

int cmd_stress(int argc, char **argv)
{
    static const struct option opts[] = {
        { "seconds", required_argument, 0, 'n' },    { "seed", required_argument, 0, 's' },
        { "timeout", required_argument, 0, 't' },    { "help", no_argument, 0, 'h' },
        { "compare-output", no_argument, 0, 'c' },  { "virtual-time", no_argument, 0, 'v' },
        { "no-recursive-mutex", no_argument, 0, 'r' },
        { 0, 0, 0, 0 }
    };
    double seconds = 10;
    unsigned timeout_ms = 5000;
    bool compare = false, virtual_time = false;
    uint64_t seed = random_u64() % 1000000000ull;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (ch) {
        case 'n': seconds = atof(optarg); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        case 't': timeout_ms = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'c': compare = true; break;
        case 'v': /* the runs inherit it; the engine (preload.c) reads it */
            setenv("GRADER_VIRTUAL_TIME", "1", 1);
            virtual_time = true;
            break;
        case 'r': /* the same way: preload.c reads it */
            setenv("GRADER_NO_RECURSIVE_MUTEX", "1", 1);
            break;
        case 'h': return usage(stdout);
        default: return usage(stderr);
        }
    }
    if (optind >= argc || seconds <= 0 || timeout_ms == 0)
        return usage(stderr);
    char *lib = library_beside_grader("libgrader_engine.so");
    if (!lib) {
        fprintf(stderr, "grader: libgrader_engine.so not found beside the grader (make grader)\n");
        return 1;
    }
    json_t *report = json_object();
    flavour fl[2] = { { 0 }, { 0 } };
    int nfl = 1, rc = 0;
    char **prog_argv = argv + optind;
    char *dir = NULL, *source = NULL, *prog_name = NULL;
    if (is_source(argv[optind])) {
        /* Sources up to "--", then the program's arguments. */
        int nsrc = 0;
        while (optind + nsrc < argc && strcmp(argv[optind + nsrc], "--") != 0)
            nsrc++;
        for (int i = 0; i < nsrc; i++)
            if (!is_source(argv[optind + i]) || !is_file(argv[optind + i])) {
                fprintf(stderr, "grader stress: %s: not a C source file\n", argv[optind + i]);
                json_decref(report);
                free(lib);
                return 2;
            }
        char *first = xstrdup(argv[optind]);
        source = xstrdup(basename(first));
        free(first);
        dir = make_temp_dir("grader-stress-build");
        if (!dir || build_flavours(argv + optind, (size_t)nsrc, dir, lib, fl, &nfl, report) != 0) {
            rc = dir ? 3 : 1;
            goto done;
        }
        if (virtual_time && nfl == 2) {
            /* The TSan flavour runs without the engine: in real time, where
             * the program's hour-long sleeps would be hangs. */
            nfl = 1;
            json_object_set_new(report, "tsan", json_string("off: --virtual-time"));
        }
        int rest = optind + nsrc + (optind + nsrc < argc ? 1 : 0);
        /* argv for the program: its name (the first source's stem), then ARGS. */
        prog_argv = xmalloc(sizeof *prog_argv * (size_t)(argc - rest + 2));
        prog_name = xstrdup(source);
        prog_name[strlen(prog_name) - 2] = '\0';
        prog_argv[0] = prog_name;
        for (int i = rest; i < argc; i++)
            prog_argv[1 + i - rest] = argv[i];
        prog_argv[1 + argc - rest] = NULL;
    } else {
        fl[0].bin = program_path(prog_argv[0]);
        fl[0].preload = xstrdup(lib);
    }

    double start = monotonic_ms();
    int runs = 0, tsan_runs = 0;
    finding f = { 0 };
    char *reference = NULL; /* --compare-output: the first good run's stdout, */
    uint64_t reference_seed = 0, s = seed; /* and its seed */
    char *timeline = NULL;
    for (; monotonic_ms() - start < seconds * 1000 || runs == 0; s++) {
        const flavour *use = nfl == 2 && runs % TSAN_EVERY == 1 ? &fl[1] : &fl[0];
        stress_run r;
        unsigned limit = use->tsan ? timeout_ms * TSAN_SLOWDOWN : timeout_ms;
        if (run_once(prog_argv, use, s, limit, &r) != 0) {
            fprintf(stderr, "grader: cannot run %s: %s\n", prog_argv[0], strerror(errno));
            rc = 1;
            break;
        }
        runs++;
        tsan_runs += use->tsan;
        judge(&r, use, source, &f);
        if (!f.status && compare) {
            char *la, *lb;
            unsigned line = reference ? first_difference(reference, r.out, &la, &lb) : 0;
            if (!reference) {
                reference = xstrdup(r.out);
                reference_seed = s;
            } else if (line) {
                f.status = "nondeterministic";
                f.message = xasprintf("stdout differs between runs at line %u: seed %llu "
                                      "printed \"%s\", seed %llu printed \"%s\"",
                                      line, (unsigned long long)reference_seed, la,
                                      (unsigned long long)s, lb);
                json_t *d = json_object();
                json_object_set_new(d, "line", json_integer(line));
                json_object_set_new(d, "seeds", json_pack("[II]", (json_int_t)reference_seed,
                                                          (json_int_t)s));
                json_object_set_new(d, "lines", json_pack("[ss]", la, lb));
                json_object_set_new(report, "difference", d);
                free(la);
                free(lb);
            }
        }
        if (f.status) {
            json_object_set_new(report, "seed", json_integer((json_int_t)s));
            json_object_set_new(report, "message", json_string(f.message ? f.message : ""));
            json_object_set_new(report, "potential", json_boolean(f.potential));
            json_object_set_new(report, "output", json_string(r.output));
            json_object_set_new(report, "flavour", json_string(use->tsan ? "tsan" : "plain"));
            if (f.file) {
                json_object_set_new(report, "file", json_string(f.file));
                json_object_set_new(report, "line", json_integer(f.line));
            }
            if (WIFEXITED(r.status) && !r.timed_out)
                json_object_set_new(report, "exit_status", json_integer(WEXITSTATUS(r.status)));
            if ((timeline = run_timeline(&r, use)))
                json_object_set_new(report, "timeline", results_timeline(timeline));
        }
        run_free(&r);
        if (f.status)
            break;
        finding_free(&f);
    }
    if (rc == 0) {
        const char *status = f.status ? f.status : "ok";
        json_object_set_new(report, "status", json_string(status));
        json_object_set_new(report, "program", json_string(source ? source : prog_argv[0]));
        json_object_set_new(report, "runs", json_integer(runs));
        json_object_set_new(report, "tsan_runs", json_integer(tsan_runs));
        json_object_set_new(report, "first_seed", json_integer((json_int_t)seed));
        json_object_set_new(report, "seconds", json_real((monotonic_ms() - start) / 1000.0));
        /* The one-line summary, then what the threads did last. */
        if (f.file)
            fprintf(stderr, "grader stress: %s at %s:%u (seed %llu): %s\n", status, f.file, f.line,
                    (unsigned long long)(s), f.message);
        else if (f.status)
            fprintf(stderr, "grader stress: %s (seed %llu): %s\n", status, (unsigned long long)s,
                    f.message ? f.message : "");
        else
            fprintf(stderr, "grader stress: ok, %d runs (%d with ThreadSanitizer)\n", runs,
                    tsan_runs);
        if (timeline)
            fprintf(stderr, "last synchronisation events:\n%s\n", timeline);
        rc = f.status ? 3 : 0;
    }
    finding_free(&f);
    free(reference);
    free(timeline);
done:
    if (rc == 0 || rc == 3) {
        json_dumpf(report, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
        putchar('\n');
    }
    json_decref(report);
    for (int i = 0; i < 2; i++) {
        free(fl[i].bin);
        free(fl[i].preload);
    }
    if (prog_name)
        free(prog_argv);
    free(prog_name);
    free(source);
    if (dir)
        remove_tree(dir);
    free(dir);
    free(lib);
    return rc;
}
