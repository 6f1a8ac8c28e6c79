/* cmd_stress.c - `grader stress [--seconds N] [--seed S] -- PROGRAM [ARGS]`.
 *
 * Runs any dynamically linked pthread program again and again, each run with
 * the next seed, under the engine's LD_PRELOAD library (libgrader_engine.so,
 * built beside the grader): schedule noise, spurious wake-ups, deadlock and
 * lock-order checks, hang reports. Stops at the first run that goes wrong
 * and prints a JSON report: status ok, assertion (SIGABRT), crash, failed
 * (non-zero exit), deadlock (with the cycle; "potential" when the lock-order
 * graph has an unprotected cycle but the run did not hang), misuse (of the
 * pthread API, with the line: see grader/harness/misuse.c) or timeout (with
 * what every thread waited for). Exit status 0 ok, 3 a problem was found,
 * 1 the grader failed, 2 bad usage. The program is the caller's own and is
 * trusted: it runs outside the sandbox, in its own process group.
 */
#include "commands.h"
#include "sites.h"
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

extern char **environ;

static int usage(FILE *f)
{
    fprintf(f, "usage: grader stress [--seconds N] [--seed S] [--timeout MS] [--virtual-time] "
               "-- PROGRAM [ARGS]\n"
               "  --seconds N    keep running the program for N seconds (default 10)\n"
               "  --seed S       the first run's seed (default: random); run k uses S+k\n"
               "  --timeout MS   one run taking longer is a hang (default 5000)\n"
               "  --virtual-time the program's clocks, sleeps and timed waits run in virtual\n"
               "                 time: it jumps ahead when every thread is blocked, and all\n"
               "                 threads blocked with nothing to wait for is a deadlock\n"
               "Exit status: 0 no problem found, 3 a problem was found, 1 grader failure,\n"
               "2 bad usage. The JSON report goes to stdout.\n");
    return f == stdout ? 0 : 2;
}

/* libgrader_engine.so beside the grader binary. */
static char *engine_library(void)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return NULL;
    self[n] = '\0';
    char *lib = xasprintf("%s/libgrader_engine.so", dirname(self));
    if (!is_file(lib)) {
        free(lib);
        return NULL;
    }
    return lib;
}

typedef struct stress_run {
    int status;        /* wait status */
    bool timed_out;
    char *records;     /* what the engine wrote */
    char *output;      /* the tail of stdout+stderr */
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

static int run_once(char **argv, const char *lib, uint64_t seed, unsigned timeout_ms,
                    stress_run *r)
{
    memset(r, 0, sizeof r[0]);
    char rec_path[] = "/tmp/grader-stress-recXXXXXX", out_path[] = "/tmp/grader-stress-outXXXXXX";
    int rec = mkstemp(rec_path), out = mkstemp(out_path);
    if (rec < 0 || out < 0)
        return -1;
    unlink(rec_path);
    unlink(out_path);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        setpgid(0, 0);
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        dup2(out, 1);
        dup2(out, 2);
        char fdnum[16], seeds[32], stall[16];
        snprintf(fdnum, sizeof fdnum, "%d", rec);
        snprintf(seeds, sizeof seeds, "%llu", (unsigned long long)seed);
        snprintf(stall, sizeof stall, "%u", timeout_ms / 4 < 200 ? 200 : timeout_ms / 4);
        setenv("LD_PRELOAD", lib, 1);
        setenv("GRADER_ENGINE_FD", fdnum, 1);
        setenv("GRADER_SEED", seeds, 1);
        setenv("GRADER_STALL_MS", stall, 1);
        execvp(argv[0], argv);
        fprintf(stderr, "grader stress: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);
    double end = monotonic_ms() + timeout_ms;
    for (;;) {
        pid_t w = waitpid(pid, &r->status, WNOHANG);
        if (w == pid)
            break;
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
    r->output = read_all(out, OUTPUT_TAIL);
    close(rec);
    close(out);
    return 0;
}

/* The verdict of one run as (status, message); NULL status: fine. */
static const char *judge(const stress_run *r, const char *prog, char **message, bool *potential)
{
    char *text;
    *potential = false;
    *message = NULL;
    if ((text = record_text(r->records, "deadlock", false))) {
        *message = sites_symbolize(text, prog, NULL);
        free(text);
        return "deadlock";
    }
    /* Before a hang or an exit: a misuse is often their cause. */
    if ((text = record_text(r->records, "misuse", false))) {
        *message = sites_symbolize(text, prog, NULL);
        free(text);
        return "misuse";
    }
    if (r->timed_out) {
        text = record_text(r->records, "hang", true);
        *message = text ? sites_symbolize(text, prog, NULL)
                        : xstrdup("no progress report: it may be computing, not waiting");
        free(text);
        return "timeout";
    }
    if (WIFSIGNALED(r->status)) {
        int sig = WTERMSIG(r->status);
        *message = xasprintf("killed by signal %d (%s)", sig, strsignal(sig));
        return sig == SIGABRT ? "assertion" : "crash";
    }
    if (WIFEXITED(r->status) && WEXITSTATUS(r->status) != 0) {
        *message = xasprintf("exited with status %d", WEXITSTATUS(r->status));
        return "failed";
    }
    if ((text = record_text(r->records, "lockorder", false))) {
        char *where = sites_symbolize(text, prog, NULL);
        *message = xasprintf("lock-order inversion (this run did not hang, another may): %s",
                             where);
        free(where);
        free(text);
        *potential = true;
        return "deadlock";
    }
    return NULL;
}

/* PROGRAM as a path addr2line can read (searched in PATH like execvp). */
static char *program_path(const char *prog)
{
    if (strchr(prog, '/'))
        return xstrdup(prog);
    char *p = find_in_path(prog);
    return p ? p : xstrdup(prog);
}

int cmd_stress(int argc, char **argv)
{
    static const struct option opts[] = {
        { "seconds", required_argument, 0, 'n' }, { "seed", required_argument, 0, 's' },
        { "timeout", required_argument, 0, 't' }, { "help", no_argument, 0, 'h' },
        { "virtual-time", no_argument, 0, 'v' }, { 0, 0, 0, 0 }
    };
    double seconds = 10;
    unsigned timeout_ms = 5000;
    uint64_t seed = random_u64() % 1000000000ull;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (ch) {
        case 'n': seconds = atof(optarg); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        case 't': timeout_ms = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'v': setenv("GRADER_VIRTUAL_TIME", "1", 1); break; /* the runs inherit it */
        case 'h': return usage(stdout);
        default: return usage(stderr);
        }
    }
    if (optind >= argc || seconds <= 0 || timeout_ms == 0)
        return usage(stderr);
    char **prog_argv = argv + optind;
    char *lib = engine_library();
    if (!lib) {
        fprintf(stderr, "grader: libgrader_engine.so not found beside the grader (make grader)\n");
        return 1;
    }
    char *prog = program_path(prog_argv[0]);
    double start = monotonic_ms();
    int runs = 0, rc = 0;
    json_t *report = json_object();
    const char *status = NULL;
    uint64_t s = seed;
    for (; monotonic_ms() - start < seconds * 1000 || runs == 0; s++) {
        stress_run r;
        if (run_once(prog_argv, lib, s, timeout_ms, &r) != 0) {
            fprintf(stderr, "grader: cannot run %s: %s\n", prog_argv[0], strerror(errno));
            rc = 1;
            break;
        }
        runs++;
        char *message;
        bool potential;
        status = judge(&r, prog, &message, &potential);
        if (status) {
            json_object_set_new(report, "seed", json_integer((json_int_t)s));
            json_object_set_new(report, "message", json_string(message));
            json_object_set_new(report, "potential", json_boolean(potential));
            json_object_set_new(report, "output", json_string(r.output));
            if (WIFEXITED(r.status) && !r.timed_out)
                json_object_set_new(report, "exit_status", json_integer(WEXITSTATUS(r.status)));
            free(message);
        }
        free(r.records);
        free(r.output);
        if (status)
            break;
    }
    if (rc == 0) {
        json_object_set_new(report, "status", json_string(status ? status : "ok"));
        json_object_set_new(report, "program", json_string(prog_argv[0]));
        json_object_set_new(report, "runs", json_integer(runs));
        json_object_set_new(report, "first_seed", json_integer((json_int_t)seed));
        json_object_set_new(report, "seconds", json_real((monotonic_ms() - start) / 1000.0));
        json_dumpf(report, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
        putchar('\n');
        rc = status ? 3 : 0;
    }
    json_decref(report);
    free(lib);
    free(prog);
    return rc;
}
