/* verdict.h - how a test went, decided from the evidence of its runs.
 *
 * Pure functions, unit-tested in tests/unit/: runtest.c runs the binary and
 * collects the evidence (the channel's records, the exit status, the
 * ThreadSanitizer report, the engine's records with their code locations
 * already symbolised); this file applies the rules:
 *   - a test passes only on a `pass` record (with this run's token) AND a
 *     clean exit (status 0);
 *   - a task stack overrun (the "overflow" record, intercept_ucontext.c)
 *     fails any test: what follows it (a crash, wrong values) is its effect;
 *   - a call that left threads unjoined or a mutex held (the "leak"
 *     record, callcheck.c) fails any test;
 *   - the engine's deadlock record fails any test, then its misuse record
 *     (an API misuse, such as unlocking a mutex not held) does; its
 *     lock-order record fails deadlock tests;
 *   - in a ThreadSanitizer run, a TSan report decides;
 *   - then: sandbox failure, output cap, timeout (with the engine's hang
 *     report), an assertion, a crash, an early or unclean exit;
 * and which run is due next:
 *   - a failed timing test runs again with the same seed, up to 3 times;
 *   - a race, deadlock or ordering test that passed runs under a second
 *     schedule (a seed derived from the first);
 *   - a race or deadlock test then runs under ThreadSanitizer (unless it
 *     hung, crashed or the engine already found the cause).
 */
#ifndef VERDICT_H
#define VERDICT_H

#include <stdbool.h>
#include <stdint.h>

enum test_status { TEST_PASSED, TEST_FAILED, TEST_TIMEOUT, TEST_CRASHED };
extern const char *const test_status_names[];

#define TIMING_ATTEMPTS 3 /* runs of a failing timing test before it counts */
#define STRESS_SEEDS 2    /* schedules per race, deadlock and ordering test */
#define TSAN_EXIT 66      /* ThreadSanitizer's exit status when it reported */

typedef struct test_outcome {
    enum test_status status;
    char *message;       /* for the student: what went wrong, where; NULL on a pass */
    double duration_ms;
    int attempts;        /* >1 when a timing failure was re-run */
    bool tsan_run;       /* the verdict includes a ThreadSanitizer run */
    uint64_t seed;       /* the schedule seed of the run that decided the verdict */
    bool engine_found;   /* the engine saw a deadlock, a misuse or a lock-order inversion */
    char *timeline;      /* a failure's last sync events, one per line (timeline_text.h); NULL */
    bool virtual_time;   /* the test ran under the virtual clock (a "vclock" record): its
                            timing does not depend on the machine, a failure is not re-run */
} test_outcome;

/* What one run of a test left behind. Strings may be NULL (none). */
typedef struct run_evidence {
    bool binary_modified;    /* the test binary changed since the build: not run */
    bool sandbox_failed;     /* the sandbox could not run it */
    int wait_status;         /* the raw wait status of the test process */
    int judge_signal;        /* the signal the judge died of, not sent by the grader: 0 */
    bool timed_out;          /* killed at the wall-clock or CPU limit */
    bool output_limit;       /* killed for printing too much */
    bool memory_limit;       /* killed (or OOM-killed) at the memory limit */
    unsigned memory_limit_mib;
    bool scratch_limit;      /* killed for filling its scratch dir */
    unsigned scratch_limit_mib, scratch_limit_files;
    unsigned output_cap_kib;
    const char *records;     /* the channel's records with our token, token removed */
    const char *tsan_report; /* the summarised ThreadSanitizer report */
    const char *deadlock;    /* the engine's deadlock record, symbolised */
    const char *lockorder;   /* the engine's lock-order record, symbolised */
    const char *misuse;      /* the engine's first misuse record, symbolised */
    const char *spin;        /* a thread spun while virtual time stood (vclock.c), symbolised */
    const char *hang;        /* the engine's last hang record, symbolised */
    const char *leak;        /* the first "leak" record: a call's threads or locks left behind */
    const char *crash_where; /* "in f (file.c:12)": the crash record, symbolised */
    const char *overflow;    /* a task's stack overrun (intercept_ucontext.c), symbolised */
    double wall_ms;
} run_evidence;

/* The verdict of one run (category: an enum category; timeout_ms: the
 * test's limit, for the message; tsan: a ThreadSanitizer run). Fills `out`
 * (status, message, duration, engine_found, tsan_run, seed); the caller
 * frees out->message with test_outcome_free. */
void verdict_of_run(const run_evidence *e, int category, unsigned timeout_ms, bool tsan,
                    uint64_t seed, test_outcome *out);

/* The first record of a kind ("pass", "fail", "crash") in `records`: a
 * pointer just after the kind and its space, or NULL. */
const char *verdict_find_record(const char *records, const char *kind);

/* The subject's records (token removed) without the kinds only the judge
 * may write: pass, fail, gone, test, end, whatever follows the kind (a
 * name, nothing). A line counts by its first word, as verdict_find_record
 * reads it, so "pass" alone is dropped and "passing" kept. Returns a new
 * string (free it); `records` is left as it was. */
char *verdict_subject_records(const char *records);

enum next_run {
    NEXT_NONE,           /* the verdict stands */
    NEXT_SAME_SEED,      /* a timing failure: again, same seed */
    NEXT_OTHER_SCHEDULE, /* a stress test passed: another schedule */
    NEXT_TSAN,           /* a race or deadlock test: under ThreadSanitizer */
};

/* Which run the rules want after `so_far` (schedules: plain schedules run
 * so far; tsan_available: the lesson has a TSan binary; tsan_done: it ran). */
enum next_run verdict_next_run(int category, const test_outcome *so_far, unsigned schedules,
                               bool tsan_available, bool tsan_done);

/* The seed of that next run: the base seed again, a seed derived from it
 * (9 digits, so students can type it), or the seed of the verdict so far. */
uint64_t verdict_next_seed(enum next_run next, uint64_t base_seed, unsigned schedules,
                           const test_outcome *so_far);

/* Folds the next run's outcome into the test's (takes over `next`'s
 * message and timeline; a TSan report that leads keeps the timeline of
 * the failure it explains): a re-run replaces, a passing verdict gives way to a failing
 * one, and a TSan report leads the message of a plain failure. */
void verdict_fold(test_outcome *so_far, test_outcome *next, enum next_run kind);

void test_outcome_free(test_outcome *o);

#endif
