/* harness.h - what a lesson's test file sees.
 *
 * The tests run in the judge (judge.c), a process apart from the student's
 * code: each call of the lesson's API travels to the subject process and
 * back (test_remote.c), so read a test as if it called the code directly.
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
 *   - derive any randomness from harness_seed() so a failure can be replayed;
 *   - start the test's own threads with harness_thread_start and check with
 *     HARNESS_CHECK, so a failing check never leaves them running (below);
 *   - never wait for the student's code without a bound: a call that may
 *     hang runs on a helper thread under harness_watch_progress, and a loop
 *     that polls for what the code should do naps with harness_patience
 *     (a bound in real time alone fails correct code on a loaded machine).
 * Helpers that only one lesson needs stay in that lesson's test files.
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct graded_test {
    const char *name;
    const TTest **test;   /* the pointer START_TEST(name) defines */
    const char *category; /* functional, race, deadlock, ordering, timing */
    unsigned timeout_ms;  /* 0: the lesson's default */
    bool virtual_time;    /* the whole test runs in virtual time */
} graded_test;

#define GRADED(t, cat) { #t, &t, cat, 0, false }
#define GRADED_TIMEOUT(t, cat, ms) { #t, &t, cat, ms, false }
/* A test that runs in virtual time from its first line: the judge turns it
 * on before the test starts (harness_virtual_time(true) in the body is then
 * a no-op). Its verdict does not depend on the machine's load, so a timing
 * test declared so runs beside the others, not alone. */
#define GRADED_VIRTUAL(t, cat) { #t, &t, cat, 0, true }

/* The seed the grader chose for this run (reported in the JSON). */
uint64_t harness_seed(void);

/* A deterministic pseudo-random number stream derived from harness_seed(). */
uint64_t harness_rand(void);

/* Monotonic clock in milliseconds (double, sub-millisecond precision);
 * under virtual time, the student's process's virtual CLOCK_MONOTONIC. */
double harness_now_ms(void);

/* Sleeps for ms milliseconds (restarts after signals); under virtual time,
 * a virtual sleep of this thread's student-side thread. */
void harness_sleep_ms(double ms);

/* ---- virtual time -------------------------------------------------------------
 * harness_virtual_time(true), first thing in a test (before any thread
 * starts), puts the test under a virtual clock: every clock read, sleep and
 * timed wait of the student's code (clock_gettime, time, gettimeofday,
 * timespec_get, nanosleep, usleep, sleep, clock_nanosleep, thrd_sleep, timed condition
 * waits, timed locks, cnd_timedwait, mtx_timedlock, sem_timedwait) and the
 * test's harness_now_ms and harness_sleep_ms read and wait in virtual time,
 * and so does poll without descriptors. Real: CPU-time clocks, poll with
 * descriptors, select, epoll, the grader's own bounds.
 *
 * Virtual time moves only when every thread is blocked: each of the student's
 * threads in a wait, a lock, a join or a sleep, and each test thread asleep
 * in harness_sleep_ms, a call of the student's code that blocks, or a join
 * (pthread_join, harness_thread_join) of a test thread still in a call.
 * Then it jumps to the earliest deadline: a 5 s timeout costs no real time and returns after
 * exactly 5000 virtual ms, whatever the machine's load. A test thread that
 * runs judge code between calls holds the clock still (so a test can set up
 * a situation at one instant): never busy-wait on harness_now_ms under
 * virtual time (each tick would be a round trip); join the thread, or sleep
 * with harness_sleep_ms. harness_wait_asleep and harness_gate_wait do not
 * move the clock.
 * When every thread is blocked and nothing can time out, no thread can ever
 * run again: the run ends at once with a deadlock verdict that says what
 * each thread waits for. The engine also wakes a virtual timed condition
 * wait once half-way (every other wait), as POSIX allows: a wait that
 * restarts its whole timeout after a wake-up overruns, exactly.
 * Off (the default, or harness_virtual_time(false)): real time. Timing
 * tests under virtual time are never re-run (the grader sees a "vclock"
 * record): their result does not depend on the machine. */
void harness_virtual_time(bool on);

/* How many of the threads the student's code created are still running. */
int harness_live_threads(void);

/* Total threads the student's code has created since the test started. */
int harness_threads_created(void);

/* How many threads the student's code started (in this test) and has not
 * joined, whether they still run or not: those a call may leave running
 * (REMOTE_LEAVES_THREADS) count until some call joins them, a detached one
 * too, unless a call allowed to detach (REMOTE_MAY_DETACH) detached it.
 * Threads of a call still in progress on another thread count as well.
 * After a call that must end what an earlier one started (a worker's stop,
 * a pool's free), 0 says it joined them: certain, whatever the timing,
 * where harness_live_threads only says they have exited. */
int harness_unjoined_threads(void);

/* What the student's code left open, with the lines that made it, for a
 * failure message (each " at @HEX" in a test's message becomes file:line).
 * harness_fd_mark() marks the descriptors opened so far;
 * harness_fds_where(mark) says where the descriptors opened since and
 * still open came from: "pipe() at @4a1 (descriptors 5, 6); accept() at
 * @52c (descriptor 7)", "" if none. harness_children_where() says, for
 * each child the student's code forked and never reaped, where it was
 * forked and whether it is a zombie or still running. Both count the
 * student's own calls only (its pipe, socket, socketpair, accept, dup...,
 * fork), never the tests'. The text lives in the calling thread's buffer
 * until its next call; use it in HARNESS_CHECK's message, which asks only
 * when the check fails:
 *     HARNESS_CHECK(open == 0, "... still open: %s", harness_fds_where(mark)); */
uint64_t harness_fd_mark(void);
const char *harness_fds_where(uint64_t mark);
const char *harness_children_where(void);

/* Makes the student's (n+1)-th pthread_create from now on fail with `err`
 * (n = 0: the next one). harness_fail_create(-1, 0) disarms it. */
void harness_fail_create(int n, int err);

/* The same with the failing creation chosen from the seed: the (k+1)-th
 * pthread_create from now on fails with `err`, k in [lo, hi], and (like a
 * system that runs out of threads half-way) it fails only once every
 * thread the student's code started so far is blocked (in a wait, a join,
 * a sleep, a callback; at most 0.5 s): code that leaves its first threads
 * waiting forever when a later creation fails is caught in one run. Later
 * creations fail too, until harness_fail_create(-1, 0). Returns k, for the
 * test's messages ("the 3rd pthread_create failed"). */
int harness_fail_create_seeded(int lo, int hi, int err);

/* True when the student's code runs under ThreadSanitizer: tests scale loops down. */
bool harness_under_tsan(void);

/* While on, each time the student's code on the calling thread releases a
 * mutex, the calling thread waits (at most 50 ms) until another thread has
 * completed a critical section or every other thread is blocked. Turn it on
 * around a call whose critical sections must together look atomic (a
 * snapshot): any gap between them then shows, every run. */
void harness_interleave(bool on);

/* ---- stress loops without a round trip per call ----------------------------
 * harness_repeat(n): the next call of the lesson's API from this thread runs
 * n times in a row in the student's process (a loop as tight as in-process).
 * harness_repeat_until(n, v): the same, stopping after a call returns v.
 * harness_repeat_results() then gives every result, in order, as runs of
 * equal values (value, count), and how many calls were made: check them all.
 * At most HARNESS_REPEAT_RUNS runs: a longer sequence stops early (calls <
 * n): ask again for the rest. */
#define HARNESS_REPEAT_RUNS 4096
typedef struct harness_run {
    uint64_t value, count;
} harness_run;
typedef struct harness_repeat_result {
    uint64_t calls;
    size_t nruns;
    const harness_run *runs;
} harness_repeat_result;
void harness_repeat(uint64_t times);
void harness_repeat_until(uint64_t times, uint64_t stop_value);
const harness_repeat_result *harness_repeat_results(void);

/* ---- different calls in one round trip -------------------------------------
 * Between harness_batch_begin() and harness_batch_end(), the calls of the
 * lesson's API this thread makes are not sent one at a time: each returns 0
 * at once and is queued. harness_batch_end() sends them together; the
 * student's process makes them back to back, in order, on this thread's
 * student thread, and it returns their values in that order (*n of them,
 * every one). At most HARNESS_BATCH_MAX calls in a batch, none with bytes
 * and none repeated (harness_repeat); a test that breaks this fails. */
#define HARNESS_BATCH_MAX 4096
void harness_batch_begin(void);
const uint64_t *harness_batch_end(size_t *n);

/* A simple reusable barrier with a timeout, for lining helper threads up.
 * harness_gate_wait returns false when `ms` passed before `n` threads arrived. */
typedef struct harness_gate harness_gate;
harness_gate *harness_gate_new(unsigned n);
bool harness_gate_wait(harness_gate *g, unsigned ms);
void harness_gate_free(harness_gate *g);

/* ---- the test's own helper threads ---------------------------------------
 * Waiters, takers, a thread that calls the student's function so that the
 * test's thread can watch it: start them with harness_thread_start, from the
 * test's own thread (the list is not locked). When a check fails, the ones
 * still running are abandoned (detached) first: joining a stuck one would
 * hang the test instead of reporting the check's message. */

/* pthread_create(t, NULL, fn, arg), remembered. Returns 0 or its error
 * (EAGAIN as well when more than HARNESS_THREADS_MAX were started). */
#define HARNESS_THREADS_MAX 4096
int harness_thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

/* Joins a thread started with harness_thread_start; a thread already joined
 * or abandoned is left alone, so it is safe to call more than once. */
void harness_thread_join(pthread_t t);

/* Detaches every helper thread not joined yet. */
void harness_abandon_threads(void);

/* ck_assert_msg(ok, fmt, ...) that abandons the helper threads before it
 * fails the test. Use it wherever a helper thread may still be running. */
#define HARNESS_CHECK(ok, ...)                                                                \
    do {                                                                                      \
        if (!(ok)) {                                                                          \
            harness_abandon_threads();                                                        \
            ck_abort_msg(__VA_ARGS__);                                                        \
        }                                                                                     \
    } while (0)

/* ---- the stall watch -------------------------------------------------------
 * For a call that may hang (a missed wake-up, a deadlock) run on a helper
 * thread that sets *done when it returns, and a counter the test's callbacks
 * bump at each step (each say(), each item): waits (polling every 2 ms) until
 * *done, and returns true; returns false as soon as *progress has not
 * changed for stall_ms, with the last value seen in *last, so the test can
 * fail with what happened ("got stuck after 37 of 200 turns") instead of
 * hanging until the grader's timeout. Time in which the machine gave the
 * run no CPU (the watcher itself could not wake) does not count. */
bool harness_watch_progress(atomic_bool *done, atomic_long *progress, unsigned stall_ms,
                            long *last);

/* The same patience for a test's own polling loop: a wait that checks
 * something every 2 ms for up to limit_ms,
 *     harness_patience p = harness_patience_start(2000);
 *     while (!ready() && harness_patience_nap(&p))
 *         ;
 * harness_patience_nap sleeps 2 ms and returns true, or returns false
 * (without sleeping) once limit_ms of real time have passed in which the
 * waiter woke at least once per 4 ms on average. */
typedef struct harness_patience {
    double t0;
    unsigned naps, limit_ms;
} harness_patience;
harness_patience harness_patience_start(unsigned limit_ms);
bool harness_patience_nap(harness_patience *p);
/* For a second limit on the same loop: counts the nap the loop took with
 * another patience, without sleeping; false once this limit is out. */
bool harness_patience_count(harness_patience *p);

/* ---- the trace recorder (trace.c) ----------------------------------------
 * For tests that check the ORDER of events. Any thread records with
 * harness_trace("say", i); recording is lock-free (it never blocks, so it
 * cannot change the order it records). After
 * joining the helper threads, read the trace and hand it to a checker: each
 * returns true when the order is right, else false with one sentence about
 * the FIRST violation in why[len], ready for ck_assert_msg. Steps count from 1. */
#define HARNESS_TRACE_MAX 65536
typedef struct harness_trace_entry {
    uint64_t seq;      /* global order of recording, from 0 */
    int thread;        /* 1, 2, ..: recording threads, in order of their first record */
    const char *event; /* the pointer given: pass string literals */
    long value;
    double t_ms;       /* harness_now_ms() when recorded */
} harness_trace_entry;

void harness_trace(const char *event, long value);
/* Copies the entries recorded so far, in order; returns how many. */
size_t harness_trace_read(harness_trace_entry *out, size_t cap);
/* True when more than HARNESS_TRACE_MAX entries were recorded (extra ones are dropped). */
bool harness_trace_overflowed(void);
/* Empties the trace; only while no thread records. */
void harness_trace_reset(void);

/* `event` values must run 0,1,..,k-1,0,1,.. for exactly `rounds` rounds.
 * names[v] (or NULL: "thread v") name the speakers: "Pong spoke twice in a row
 * at step 7 (it was Ping's turn)", "thread 2 spoke at step 5 but it was thread 1's turn". */
bool harness_trace_check_turns(const harness_trace_entry *t, size_t n, const char *event,
                               size_t k, size_t rounds, const char *const names[], char *why,
                               size_t len);
/* Every `event` entry comes after the first `cause` entry. The sentence is
 * built from the descriptions: "<event_says> (step 2 of the trace), before <cause_says> (step 5)". */
bool harness_trace_check_after(const harness_trace_entry *t, size_t n, const char *event,
                               const char *cause, const char *event_says,
                               const char *cause_says, char *why, size_t len);
/* A running stock: `initial` plus every `add` value minus every `take` value
 * never goes below zero when a take is recorded (record adds before making
 * them, takes after they returned). */
bool harness_trace_check_supply(const harness_trace_entry *t, size_t n, const char *add,
                                const char *take, long initial, char *why, size_t len);
/* Each `event` value 0..k-1 is recorded from one thread of its own (k <= 64). */
bool harness_trace_check_own_threads(const harness_trace_entry *t, size_t n, const char *event,
                                     size_t k, const char *const names[], char *why, size_t len);

/* Which thread of the student's process the calling code stands for: in a
 * test's thread, the one that runs its calls; in a callback, the thread
 * that made it (also for asynchronous callbacks, which all run on one judge
 * thread). Compare these instead of pthread_self(). */
int harness_thread_id(void);

/* The kernel id of the student-process thread that runs the calling
 * thread's calls, for harness_wait_asleep. */
int harness_gettid(void);
/* Waits until every thread in tids[] (from harness_gettid) has been
 * asleep inside a call of the lesson's API (blocked in the kernel, e.g. in a
 * condition wait; not idle between calls) for `quiet_ms` in a row; false if
 * that did not happen within max_ms. Use it to be sure waiters are really
 * waiting before waking them. */
bool harness_wait_asleep(const int tids[], size_t n, unsigned quiet_ms, unsigned max_ms);

/* Waits until every thread in tids[] (from harness_gettid) has exited. A
 * test thread's student-process thread ends once the test thread has ended,
 * but not in step with it (a join of the test thread may return first), and
 * runs the student's thread-specific-data destructors (pthread_key_create's,
 * tss_create's) as it ends. Once this returns true they have run, and glibc
 * may give the thread's id (pthread_t) and stack to the next thread started.
 * False if that did not happen within max_ms (a destructor that blocks).
 * Real time; it does not move the virtual clock. */
bool harness_wait_exited(const int tids[], size_t n, unsigned max_ms);

/* ---- network lessons: the tests are the clients ---------------------------
 * A socket on the network the student's code runs on (the sandbox's own
 * loopback, when it has a network namespace), made for the tests: they
 * connect to the student's server, send and receive with it themselves, so
 * what a client got is the judge's own observation. The descriptor, or
 * -errno. (witness.c) */
int harness_net_socket(int domain, int type);

/* The TCP sockets that processes on the student's network hold open (a
 * descriptor refers to them), other than the tests' own: how many, and up
 * to cap of them in out. A socket the server closed is not held, even while
 * TCP keeps it in TIME_WAIT. HARNESS_NET_UNKNOWN where that cannot be told
 * (no network namespace: the network is the machine's; tests then rely on
 * the engine's book of descriptors), HARNESS_NET_FAILED when the sandbox's
 * helper did not answer (the test must fail). */
typedef struct harness_net_held_socket {
    uint16_t local_port, remote_port;
    int state; /* the kernel's TCP state: HARNESS_TCP_LISTEN, ... */
} harness_net_held_socket;
enum { HARNESS_NET_UNKNOWN = -1, HARNESS_NET_FAILED = -2 };
enum { HARNESS_TCP_ESTABLISHED = 1, HARNESS_TCP_CLOSE_WAIT = 8, HARNESS_TCP_LISTEN = 10 };
int harness_net_held(harness_net_held_socket *out, size_t cap);

/* ---- process lessons: the run's processes, seen from outside --------------
 * The processes of the student's run (its PID namespace: init is 1, the
 * student's process is init's first child, harness_subject_pid), listed by
 * the sandbox's witness, never by the student's process: how many, and up
 * to cap of them in out. HARNESS_NET_UNKNOWN without namespaces (a test
 * then relies on the engine's look at the children), HARNESS_NET_FAILED
 * when the witness did not answer (the test must fail). A zombie is state
 * 'Z' (exited, not yet reaped by its parent). (witness.c) */
typedef struct harness_proc {
    int pid, ppid; /* as the run's PID namespace numbers them */
    char state;    /* the kernel's letter: R running, S/D asleep, Z zombie, T stopped */
    char name[16];
} harness_proc;
int harness_procs(harness_proc *out, size_t cap);
/* The student's process among n listed (0: not among them). */
int harness_subject_pid(const harness_proc *p, int n);

#endif
