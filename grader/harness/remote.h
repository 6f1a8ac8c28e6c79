/* remote.h - what a lesson's test_remote.c uses to carry its API from the
 * tests (the judge) to the student's code (the subject).
 *
 * One file per lesson, exercises/NN-slug/test_remote.c, compiled twice:
 *   - with REMOTE_JUDGE it defines the API's functions for the tests: each
 *     sends a CALL to the subject thread bound to the calling thread and
 *     returns what came back. The tests read as if they called the student's
 *     code directly;
 *   - with REMOTE_SUBJECT it defines remote_functions[]: for each function
 *     number, a small function that calls the student's function with the
 *     arguments that came.
 * Values travel as uint64_t: integers as themselves (signed ones cast back),
 * opaque pointers as handles (the judge never dereferences them), byte
 * buffers in the blob. A function the API takes (a callback) travels as the
 * id remote_callback() gives it; the subject calls a trampoline that reports
 * the call to the judge, which runs the test's function and answers.
 *
 * Write the function numbers as an enum and the names with REMOTE_NAMES in
 * the same order: the names appear in the messages students read.
 */
#ifndef REMOTE_H
#define REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What a subject-side function receives and may give back. */
typedef struct remote_args {
    const uint64_t *arg;
    size_t nargs;
    const unsigned char *in; /* bytes the judge sent */
    size_t in_len;
    unsigned char *out;      /* bytes for the judge: at most out_cap */
    size_t out_cap, out_len;
} remote_args;

typedef uint64_t (*remote_fn)(remote_args *a);

/* Any function, as a callback travels (cast back by its invoker). */
typedef void (*remote_any_fn)(void);
/* Calls `fn` (a callback of one type) with the arguments from the subject. */
typedef uint64_t (*remote_invoker)(remote_any_fn fn, const uint64_t *arg, size_t nargs);

#define REMOTE_PTR_ARG(p) ((uint64_t)(uintptr_t)(p))
#define REMOTE_AS_PTR(v) ((void *)(uintptr_t)(v))
#define REMOTE_NARGS(...) (sizeof((uint64_t[]){ __VA_ARGS__ }) / sizeof(uint64_t))

/* The names of the lesson's functions, by number. */
#define REMOTE_NAMES(...)                                                         \
    const char *const remote_function_names[] = { __VA_ARGS__ };                  \
    const size_t remote_function_count =                                          \
        sizeof remote_function_names / sizeof remote_function_names[0]
extern const char *const remote_function_names[];
extern const size_t remote_function_count;

#ifdef REMOTE_JUDGE
/* Calls function `fn` in the subject, on the subject thread bound to the
 * calling thread, and returns its value. Fails the test when the subject is
 * gone (it crashed, deadlocked or exited). */
uint64_t remote_call(uint32_t fn, size_t nargs, const uint64_t *args);
#define REMOTE_CALL(fn, ...) remote_call(fn, REMOTE_NARGS(__VA_ARGS__), (uint64_t[]){ __VA_ARGS__ })
#define REMOTE_CALL0(fn) remote_call(fn, 0, NULL)

/* The same with bytes: `in` goes with the call, up to `out_cap` bytes come
 * back into `out` (*out_len says how many). */
uint64_t remote_call_bytes(uint32_t fn, size_t nargs, const uint64_t *args, const void *in,
                           size_t in_len, void *out, size_t out_cap, size_t *out_len);

/* The id under which callback `fn` travels; `invoke` calls it. The
 * student's thread waits until the test's function has returned (it runs on
 * a judge thread that stands for the student's thread). */
uint64_t remote_callback(remote_any_fn fn, remote_invoker invoke);
/* The same for a callback whose value is not used (void) and that need not
 * hold the student's thread: the call is reported and the student's thread
 * goes on at once. The test's functions run one at a time, in the order the
 * student's threads made the calls, before the API call they happened in
 * returns; harness_thread_id() in them names the student's thread. */
uint64_t remote_callback_async(remote_any_fn fn, remote_invoker invoke);
#endif

#ifdef REMOTE_SUBJECT
/* The lesson's functions, by number (REMOTE_FUNCTIONS). */
#define REMOTE_FUNCTIONS(...) const remote_fn remote_functions[] = { __VA_ARGS__ }
extern const remote_fn remote_functions[];

/* What a function may leave behind when it returns. After every call the
 * subject checks (grader/harness/callcheck.c) that each thread the student's
 * code started during the call (or from threads it started) was joined, and
 * that the calling thread holds no mutex it locked during the call; a
 * violation fails the test in any category. A lesson declares, in one place,
 * each function that the contract lets do otherwise:
 *
 *     REMOTE_LEAVES({ F_TASK_START, REMOTE_LEAVES_THREADS });
 *
 * and REMOTE_LEAVES() when no function may (every lesson writes the line:
 * it is the lesson's statement of its contract). */
enum {
    REMOTE_LEAVES_THREADS = 1u, /* threads it started may still run (a task's or pool's start) */
    REMOTE_MAY_DETACH = 2u,     /* it may detach threads it started (a daemon) */
    REMOTE_RETURNS_LOCKED = 4u, /* it may return holding a mutex (a lock's acquire) */
};
typedef struct remote_leaves {
    uint32_t fn;
    unsigned flags;
} remote_leaves;
#define REMOTE_LEAVES(...)                                                                  \
    const remote_leaves remote_function_leaves[] = { { UINT32_MAX, 0 }, __VA_ARGS__ };     \
    const size_t remote_function_leaves_count =                                             \
        sizeof remote_function_leaves / sizeof remote_function_leaves[0]
extern const remote_leaves remote_function_leaves[];
extern const size_t remote_function_leaves_count;

/* A lesson whose task is to build re-entrancy (a recursive lock) writes
 *
 *     REMOTE_NO_RECURSIVE_MUTEX();
 *
 * and then each lock of a recursive mutex, however it was made (a
 * mutexattr, mtx_recursive, PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP), is a
 * misuse naming the student's line: it fails the test, whatever its
 * category. (The build's "forbidden" list catches the named calls; this
 * catches the static initialiser, which calls nothing.) */
#define REMOTE_NO_RECURSIVE_MUTEX() const bool remote_no_recursive_mutex = true
extern const bool remote_no_recursive_mutex;

/* From then on, each free() of the student's code calls watch(p) first, on
 * the student's thread (NULL: no watch). watch must not block, allocate or
 * synchronise (relaxed atomics only: anything stronger would hide the
 * student's races from ThreadSanitizer). */
void remote_watch_free(void (*watch)(void *p));

/* From a trampoline: runs callback `id` in the judge with these arguments,
 * on this thread's channel, and returns its value. */
uint64_t remote_run_callback(uint64_t id, size_t nargs, const uint64_t *args);
#define REMOTE_RUN_CALLBACK(id, ...) \
    remote_run_callback(id, REMOTE_NARGS(__VA_ARGS__), (uint64_t[]){ __VA_ARGS__ })
#endif

#ifndef REMOTE_JUDGE
/* ---- sockets and pipes (grader/harness/intercept_io.c), subject side -------
 * The student's read/write/recv/send (and friends), accept and close are
 * wrapped, and the calls that open descriptors. remote_io_faults_kinds(seed,
 * kinds) turns on, for the rest of the test, seeded faults that POSIX
 * allows, on the descriptors of the kinds asked for:
 *   - REMOTE_IO_SOCKETS, REMOTE_IO_PIPES: a read or write moves only a
 *     prefix (at least 1 byte; never a write of at most PIPE_BUF bytes to a
 *     pipe, which POSIX makes all or nothing); a blocking call fails with
 *     EINTR before moving anything. The first reads and writes on each
 *     descriptor always do both (the first is short, the second EINTR), the
 *     first accept of a listening socket fails: code that assumes one call
 *     moves everything fails every run;
 *   - REMOTE_IO_EAGAIN with either: a call that does not block (O_NONBLOCK,
 *     MSG_DONTWAIT) fails with EAGAIN before moving anything where a
 *     blocking one would get EINTR (a reader woken by poll may still find
 *     nothing: code must go back to poll, not take it as the end).
 * remote_io_faults(seed, on) is REMOTE_IO_SOCKETS alone (or off). Whether
 * on or not, the book below is kept. */
enum { REMOTE_IO_SOCKETS = 1u, REMOTE_IO_PIPES = 2u, REMOTE_IO_EAGAIN = 4u };
typedef struct remote_io_stats {
    uint64_t served_now;      /* accepted descriptors read from, not at their end, not closed */
    uint64_t served_max;      /* the most of them at any moment */
    uint64_t open_fds;        /* descriptors the student's code opened, still open */
    uint64_t sigpipe_writes;  /* writes that SIGPIPE could have killed (faults on) */
    uint64_t short_transfers; /* reads and writes cut short (faults on) */
    uint64_t eintrs;          /* calls failed with EINTR (faults on) */
    uint64_t eagains;         /* calls failed with EAGAIN (REMOTE_IO_EAGAIN on) */
} remote_io_stats;
void remote_io_faults_kinds(uint64_t seed, unsigned kinds);
void remote_io_faults(uint64_t seed, bool on);
/* From now on the calling thread's writes on pipes and sockets move at most
 * `budget` bytes in all, then fail with errno `err` (a pipe write of at
 * most PIPE_BUF that does not fit fails whole): a writer that dies
 * mid-message, so that its peer sees the stream end inside a message.
 * err 0 turns it off. Faults on or not. */
void remote_io_cut_writes(uint64_t budget, int err);
remote_io_stats remote_io_read_stats(void);
/* Where the descriptors still open came from: remote_io_mark() numbers the
 * opens so far; remote_io_open_where(mark, out, max) fills out[] with the
 * descriptors opened after it and still open (at most max; returns how
 * many there are): the call that made each ("pipe", "accept"...) and its
 * caller's return address. (The judge's harness_fds_left says the same in
 * words, with the student's lines.) */
typedef struct remote_fd_where {
    int fd;
    const char *call;
    uintptr_t site;
} remote_fd_where;
uint64_t remote_io_mark(void);
size_t remote_io_open_where(uint64_t since, remote_fd_where *out, size_t max);
/* From now on (until remote_io_loop_thread(false)) the calling thread is
 * an event loop's thread: each blocking read, write, recv, send (and the
 * other transfers) or accept it makes on a descriptor that is not ready
 * (nothing to read, no room to write, no connection waiting: a poll with
 * timeout 0) is counted before it goes ahead, the first with its name and
 * its caller's return address. One thread at a time; faults on or not. */
typedef struct remote_io_loop_blocks {
    uint64_t count;          /* such calls since the process started */
    const char *first_call;  /* "recv", "accept"...; NULL: none */
    uintptr_t first_caller;  /* the return address in its caller */
    uint64_t longest_ms;     /* how long the longest of them held the thread */
    bool blocked_now;        /* one of them has not returned yet (counted so far) */
} remote_io_loop_blocks;
void remote_io_loop_thread(bool on);
/* A return address in the test binary (first_caller above, a site kept by
 * a test) as " at @HEX", which the grader turns into " at file:line" in a
 * failure message; "" when it is not in the binary. */
void remote_site_text(uintptr_t ret, char *buf, size_t cap);
remote_io_loop_blocks remote_io_loop_blocked(void);
/* Waits until every other thread of the process has slept in the kernel for
 * quiet_ms (1 ms samples) while served_now did not change; false after
 * max_ms. With schedule noise off (timing tests), a thread about to read
 * has then read. */
bool remote_io_wait_quiet(unsigned quiet_ms, unsigned max_ms);
/* ---- processes (grader/harness/intercept_proc.c), subject side -------------
 * The student's fork (and vfork, made a fork) is wrapped.
 * remote_fail_fork(k, err) makes the (k+1)-th fork from now (k = 0: the
 * next) and every later one fail with errno err, until
 * remote_fail_fork(-1, 0); a test picks k from its seed, so a fork that
 * fails after some children started happens in every run.
 * remote_children_look() counts this process's children from /proc
 * (/proc/PID/stat's parent and state) without reaping any: `children`
 * exist (running or not), `zombies` of them exited and were never reaped.
 * remote_children_reap() then kills those still running and reaps them
 * all (returns how many): call it after a look, so the next look starts
 * from none. */
typedef struct remote_children {
    uint32_t children; /* processes whose parent is this process */
    uint32_t zombies;  /* of them, exited and not reaped */
} remote_children;
void remote_fail_fork(int k, int err);
remote_children remote_children_look(void);
/* The student's children not reaped by its code, each with its state from
 * /proc ('Z': a zombie; '?': gone, reaped by someone else) and the return
 * address of its fork: fills out[] (at most max), returns how many. */
typedef struct remote_child_where {
    pid_t pid;
    char state;
    uintptr_t site;
} remote_child_where;
size_t remote_children_where(remote_child_where *out, size_t max);
unsigned remote_children_reap(void);
/* The student's own forks and reaps (its fork, wait, waitpid, waitid, wait3
 * and wait4 are wrapped), counted since remote_procs_reset(): parallelism
 * and pools graded by counting, never by a clock. A child is alive from
 * its fork until the student's code reaps it (a WNOWAIT look or a stopped
 * child's status is no reap); alive_max is the most alive at once, so
 * children run one after another (each reaped before the next fork) count
 * one. The CPU time (user + system) of each reaped child comes from the
 * kernel's rusage of that child. remote_children_reap (the grader's) also
 * forgets the children it reaps. A child of the student's starts with
 * none. */
typedef struct remote_procs {
    uint32_t forks;     /* the student's successful forks */
    uint32_t alive;     /* of them, not reaped by the student's code */
    uint32_t alive_max; /* the most alive at once */
    uint32_t reaped;    /* children the student's code reaped */
    uint64_t cpu_us_min, cpu_us_max, cpu_us_total; /* of the reaped children */
} remote_procs;
void remote_procs_reset(void);
remote_procs remote_procs_read(void);
/* ---- threads: the most of the student's threads started and not yet
 * joined at once (alive from pthread_create or thrd_create to the join),
 * since the last call with reset true (which starts again from those
 * unjoined now). Threads run one after another count one. */
int remote_threads_unjoined_max(bool reset);
/* The CPU time of each of the student's threads, from the start of its
 * function to its end (CLOCK_THREAD_CPUTIME_ID, read by the thread itself):
 * how many ended and the least, most and total, since the last call with
 * reset true. A split of work between
 * threads is then graded by the work each did, never by a clock on the
 * wall (the load of the machine does not change a thread's CPU time). */
typedef struct remote_threads_cpu {
    uint32_t ended;
    uint64_t cpu_us_min, cpu_us_max, cpu_us_total;
} remote_threads_cpu;
remote_threads_cpu remote_threads_cpu_read(bool reset);
#endif

#endif
