/* harness.h - what a lesson's test file sees.
 *
 * A lesson's tests are ordinary Check tests (START_TEST ... END_TEST). Each test
 * file ends with a table that names every test and its grading category:
 *
 *     const graded_test public_tests[] = {
 *         GRADED(withdraw_basic, "functional"),
 *         GRADED(money_conserved, "race"),
 *         { 0 }
 *     };
 *
 * The public file defines `public_tests`, the hidden file `hidden_tests`. The
 * harness links both (when present), and the grader runs each test in its own
 * process. Rules for test authors:
 *   - assert (ck_assert*) only on the test's own thread: record what helper
 *     threads saw and check it after joining them;
 *   - write failure messages a student can act on: what was expected, what
 *     happened, with numbers;
 *   - derive any randomness from harness_seed() so a failure can be replayed.
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct graded_test {
    const char *name;
    const TTest **test;   /* the pointer START_TEST(name) defines */
    const char *category; /* functional, race, deadlock, ordering, timing */
    unsigned timeout_ms;  /* 0: the lesson's default */
} graded_test;

#define GRADED(t, cat) { #t, &t, cat, 0 }
#define GRADED_TIMEOUT(t, cat, ms) { #t, &t, cat, ms }

/* The seed the grader chose for this run (reported in the JSON). */
uint64_t harness_seed(void);

/* A deterministic pseudo-random number stream derived from harness_seed(). */
uint64_t harness_rand(void);

/* Monotonic clock in milliseconds (double, sub-millisecond precision). */
double harness_now_ms(void);

/* Sleeps for ms milliseconds (restarts after signals). */
void harness_sleep_ms(double ms);

/* How many of the threads the student's code created are still running. */
int harness_live_threads(void);

/* Total threads the student's code has created since the test started. */
int harness_threads_created(void);

/* Makes the student's (n+1)-th pthread_create from now on fail with `err`
 * (n = 0: the next one). harness_fail_create(-1, 0) disarms it. */
void harness_fail_create(int n, int err);

/* Waits up to ms for the student's threads to finish; true if they all did. */
bool harness_wait_threads_exit(unsigned ms);

/* True when this binary was built with ThreadSanitizer: tests scale loops down. */
bool harness_under_tsan(void);

/* A simple reusable barrier with a timeout, for lining helper threads up.
 * harness_gate_wait returns false when `ms` passed before `n` threads arrived. */
typedef struct harness_gate harness_gate;
harness_gate *harness_gate_new(unsigned n);
bool harness_gate_wait(harness_gate *g, unsigned ms);
void harness_gate_free(harness_gate *g);

#endif
