/* verdict.c - see verdict.h. No I/O: everything comes in as evidence. */
#include "verdict.h"
#include "course.h"
#include "util.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "../harness/splitmix64.h"

const char *const test_status_names[] = { "passed", "failed", "timeout", "crashed" };

const char *verdict_find_record(const char *records, const char *kind)
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

char *verdict_subject_records(const char *records)
{
    static const char *const judge_kinds[] = { "pass", "fail", "gone", "test", "end", NULL };
    size_t len = records ? strlen(records) : 0;
    char *out = xmalloc(len + 1);
    size_t olen = 0;
    for (const char *line = records; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t l = nl ? (size_t)(nl - line) : strlen(line);
        /* The kind is the first word: up to a space or the end of the line. */
        size_t k = strcspn(line, " \n");
        bool judge_kind = false;
        for (const char *const *j = judge_kinds; *j && !judge_kind; j++)
            judge_kind = strlen(*j) == k && strncmp(line, *j, k) == 0;
        if (!judge_kind) {
            memcpy(out + olen, line, l);
            olen += l;
            out[olen++] = '\n';
        }
        if (!nl)
            break;
        line = nl + 1;
    }
    out[olen] = '\0';
    return out;
}

static char *line_dup(const char *s)
{
    size_t n = strcspn(s, "\n");
    char *out = xmalloc(n + 1);
    memcpy(out, s, n);
    out[n] = '\0';
    return out;
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

/* What the judge was waiting for when the subject went, from its "gone"
 * record ("NAME FILE:LINE the program under test stopped while the test
 * waited for WHAT (it crashed, ...)"), as "WHAT)"; NULL if it does not say. */
static char *gone_during(const char *gone)
{
    static const char mark[] = " while the test waited for ";
    const char *line_end = gone + strcspn(gone, "\n");
    const char *b = strstr(gone, " before the test began");
    if (b && b < line_end)
        return xstrdup("the program to start)");
    const char *w = strstr(gone, mark);
    if (!w || w > line_end)
        return NULL;
    w += strlen(mark);
    const char *end = strstr(w, " (it crashed");
    if (!end || end > line_end || end - w > 200)
        return NULL;
    return xasprintf("%.*s)", (int)(end - w), w);
}

/* The verdict's status and message, in order of the evidence's strength. */
static void decide(const run_evidence *e, int category, unsigned timeout_ms, bool tsan,
                   test_outcome *out)
{
    const char *pass = verdict_find_record(e->records, "pass");
    const char *fail = verdict_find_record(e->records, "fail");
    const char *crash = verdict_find_record(e->records, "crash");
    /* The judge could not go on: the subject stopped answering. */
    const char *gone = verdict_find_record(e->records, "gone");
    int st = e->wait_status;
    out->status = TEST_FAILED;

    if (e->binary_modified) {
        out->message = xstrdup("the test binary was modified by an earlier test run of this "
                               "submission: not graded");
    } else if (e->overflow) {
        /* First: an overrun stack corrupts whatever the run did after it. */
        out->message = xstrdup(e->overflow);
        out->engine_found = true;
    } else if (e->leak) {
        /* First: what a call left behind is the cause of what follows
         * (a mutex still held deadlocks the next call). */
        out->message = xstrdup(e->leak);
        out->engine_found = true;
    } else if (e->deadlock) {
        out->message = xasprintf("deadlock: %s", e->deadlock);
        out->engine_found = true;
    } else if (e->misuse) {
        /* Whatever the test checks: the code breaks the API's rules. */
        out->message = xasprintf("misuse of the pthread API: %s", e->misuse);
        out->engine_found = true;
    } else if (e->spin) {
        /* The run ended there: it would have spun to its wall limit. */
        out->message = xstrdup(e->spin);
        out->engine_found = true;
    } else if (e->lockorder && category == CAT_DEADLOCK) {
        out->message = xasprintf("lock-order inversion that can deadlock when these run at the "
                                 "same time: %s. Lock mutexes in one global order (or take them "
                                 "all under one common lock)",
                                 e->lockorder);
        out->engine_found = true;
    } else if (tsan && e->tsan_report) {
        out->message = xstrdup(e->tsan_report);
    } else if (e->sandbox_failed) {
        out->message = xstrdup("the grader could not run this test (sandbox failure)");
    } else if (e->memory_limit) {
        out->message = xasprintf("used more than %u MB of memory (memory limit)",
                                 e->memory_limit_mib);
    } else if (e->scratch_limit) {
        out->message = xasprintf("wrote more than %u MB or %u files to disk (scratch limit)",
                                 e->scratch_limit_mib, e->scratch_limit_files);
    } else if (e->output_limit) {
        out->message = xasprintf("printed more than %u KiB (output limit): remove debug "
                                 "printing from loops",
                                 e->output_cap_kib);
    } else if (e->timed_out) {
        out->status = TEST_TIMEOUT;
        if (e->hang)
            out->message = xasprintf("did not finish within %.1f s: %s", timeout_ms / 1000.0,
                                     e->hang);
        else
            out->message = xasprintf("did not finish within %.1f s: a deadlock, a missed "
                                     "wake-up, or an endless loop",
                                     timeout_ms / 1000.0);
    } else if (gone && !crash && !WIFSIGNALED(st)) {
        /* The same words as an exit before any record (below): one event,
         * with what the test was waiting for when the program went. */
        char *during = gone_during(gone);
        if (during && strcmp(during, "the program to start)") == 0)
            /* It never ran a line of the test: only code that runs as the
             * program loads (a constructor) or starts could have exited. */
            out->message = xasprintf("the program exited (status %d) before the test began "
                                     "(the test was waiting for the program to start): does "
                                     "the lesson's code call exit() as it loads, in a "
                                     "constructor?",
                                     WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        else
            out->message = xasprintf("the program exited (status %d) before the test "
                                     "finished%s%s: is exit() called from the lesson's code?",
                                     WIFEXITED(st) ? WEXITSTATUS(st) : -1,
                                     during ? " (the test was waiting for " : "",
                                     during ? during : "");
        free(during);
    } else if (fail) {
        /* "NAME FILE:LINE MESSAGE": keep the message, the test's line is ours. */
        const char *msg = strchr(fail, ' ');
        msg = msg ? strchr(msg + 1, ' ') : NULL;
        out->message = line_dup(msg ? msg + 1 : "assertion failed");
    } else if (crash || WIFSIGNALED(st)) {
        int sig = crash ? (int)strtol(crash, NULL, 16) : WTERMSIG(st);
        const char *where = crash ? e->crash_where : NULL;
        out->status = TEST_CRASHED;
        out->message = xasprintf("crashed with %s%s%s%s", signal_name(sig), where ? " " : "",
                                 where ? where : "", pass ? " after the test finished" : "");
    } else if (e->judge_signal) {
        /* The tests' process died mid-test and we did not stop it: where
         * both run as one user (no namespaces), the subject can kill it.
         * The subject then exits on the closed channel: not its exit(). */
        out->message = xasprintf("the tests' own process died (%s) while this test ran, and "
                                 "the grader did not stop it: does the lesson's code signal "
                                 "or kill other processes?",
                                 signal_name(e->judge_signal));
    } else if (pass && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        out->status = TEST_PASSED;
    } else if (pass && tsan && WIFEXITED(st) && WEXITSTATUS(st) == TSAN_EXIT) {
        out->message = xstrdup("ThreadSanitizer found a problem (its report was not readable)");
    } else if (pass) {
        out->message = xasprintf("the test passed but the program then exited with status %d",
                                 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    } else {
        out->message = xasprintf("the program exited (status %d) before the test finished: "
                                 "is exit() called from the lesson's code?",
                                 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    }
}

void verdict_of_run(const run_evidence *e, int category, unsigned timeout_ms, bool tsan,
                    uint64_t seed, test_outcome *out)
{
    memset(out, 0, sizeof *out);
    decide(e, category, timeout_ms, tsan, out);
    out->duration_ms = e->wall_ms;
    out->tsan_run = tsan;
    out->seed = seed;
    out->attempts = 1;
    out->virtual_time = e->records && verdict_find_record(e->records, "vclock") != NULL;
}

static bool is_stress(int category)
{
    return category == CAT_RACE || category == CAT_DEADLOCK || category == CAT_ORDERING;
}

enum next_run verdict_next_run(int category, const test_outcome *so_far, unsigned schedules,
                               bool tsan_available, bool tsan_done)
{
    /* Timing can fail on a busy machine: a timing failure must repeat
     * before it counts. Hangs and crashes are not timing failures, nor is
     * a failure in virtual time (exact, whatever the load). */
    if (category == CAT_TIMING && so_far->status == TEST_FAILED && !so_far->virtual_time &&
        so_far->attempts < TIMING_ATTEMPTS)
        return NEXT_SAME_SEED;
    if (tsan_done)
        return NEXT_NONE;
    if (is_stress(category) && so_far->status == TEST_PASSED && schedules < STRESS_SEEDS)
        return NEXT_OTHER_SCHEDULE;
    if (tsan_available && (category == CAT_RACE || category == CAT_DEADLOCK) &&
        so_far->status != TEST_TIMEOUT && so_far->status != TEST_CRASHED &&
        !so_far->engine_found)
        return NEXT_TSAN;
    return NEXT_NONE;
}

uint64_t verdict_next_seed(enum next_run next, uint64_t base_seed, unsigned schedules,
                           const test_outcome *so_far)
{
    switch (next) {
    case NEXT_OTHER_SCHEDULE:
        /* The k-th extra schedule: derived, so a grading with the same base
         * seed makes the same runs. */
        return splitmix64_at(base_seed, schedules) % 1000000000ull;
    case NEXT_TSAN:
        return so_far->seed; /* the schedule of the verdict so far */
    default:
        return base_seed;
    }
}

void verdict_fold(test_outcome *so_far, test_outcome *next, enum next_run kind)
{
    switch (kind) {
    case NEXT_SAME_SEED:
        next->attempts = so_far->attempts + 1;
        test_outcome_free(so_far);
        *so_far = *next;
        break;
    case NEXT_OTHER_SCHEDULE:
        next->attempts = so_far->attempts;
        next->duration_ms += so_far->duration_ms;
        test_outcome_free(so_far);
        *so_far = *next;
        break;
    case NEXT_TSAN:
        next->attempts = so_far->attempts;
        next->duration_ms += so_far->duration_ms;
        if (so_far->status == TEST_PASSED) {
            test_outcome_free(so_far);
            *so_far = *next;
        } else if (next->status != TEST_PASSED && next->message &&
                   strncmp(next->message, "ThreadSanitizer", 15) == 0) {
            /* Its report names the cause, so it leads; what the test saw follows. */
            char *msg = xasprintf("%s (the test saw: %s)", next->message, so_far->message);
            char *timeline = so_far->timeline;
            so_far->timeline = NULL;
            test_outcome_free(so_far);
            test_outcome_free(next);
            so_far->message = msg;
            so_far->timeline = timeline;
            so_far->tsan_run = true;
        } else {
            test_outcome_free(next);
        }
        break;
    case NEXT_NONE:
        test_outcome_free(next);
        break;
    }
    memset(next, 0, sizeof *next);
}

void test_outcome_free(test_outcome *o)
{
    free(o->message);
    o->message = NULL;
    free(o->timeline);
    o->timeline = NULL;
}
