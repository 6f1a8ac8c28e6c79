/* sandbox.h - run one untrusted command with limits and capture what it says.
 *
 * Every step of the grader that touches student code (compiling it, linking
 * it, running its tests) goes through sbx_run(). The caller describes the
 * command and its limits; sbx_run() starts it, enforces the limits, kills the
 * whole process tree at the end and reports how it ended.
 *
 * Environment: GRADER_SANDBOX=plain disables namespaces (rlimits, process
 * group and seccomp only), GRADER_SANDBOX=noseccomp the filter;
 * GRADER_SANDBOX_UID sets the uid root's sandboxes run as (default nobody);
 * GRADER_SANDBOX_CGROUP=none disables cgroups.
 */
#ifndef SANDBOX_H
#define SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct sbx_spec {
    const char *const *argv;  /* argv[0] is a path, not searched in PATH */
    const char *const *envp;  /* NULL: a minimal environment */
    const char *workdir;      /* cwd of the command; writable for compile steps, read-only
                                 (but executable) for test runs when namespaces work */
    const char *scratch_dir;  /* a dir the command may write (noexec), created if missing; NULL */
    const char *const *ro_paths; /* host files/dirs visible read-only at the same path; NULL */
    unsigned wall_ms;         /* wall-clock limit (0: none); time the machine kept a
                                 ready run off the CPU is added, up to 2 x more */
    unsigned cpu_ms;          /* CPU-time limit (0: none) */
    size_t mem_bytes;         /* memory limit (0: default) */
    size_t output_cap;        /* bytes of stdout+stderr kept; more kills the run */
    unsigned max_procs;       /* processes + threads (0: default) */
    size_t max_file_bytes;    /* largest file it may write (0: default) */
    int pass_fd;              /* an fd handed to the command as the same number; -1: none */
    int pass_fd2;             /* a second one; 0 or -1: none */
    bool network;             /* loopback networking allowed */
    int witness_fd;           /* with namespaces: init forks a trusted helper that serves this
                                 fd (a SOCK_SEQPACKET end; the command never gets it) for the
                                 caller's trusted process (the judge): sockets made in the
                                 run's network namespace, the TCP sockets held there, the
                                 processes of the run's PID namespace (witness.c; the wire
                                 format is grader/harness/witness_wire.h). 0 or -1: none.
                                 Without namespaces nobody serves it: see sbx_capabilities */
    bool compiler;            /* a compile step: no seccomp filter, workdir writable */
    bool sanitizer;           /* a ThreadSanitizer run: no RLIMIT_AS (it reserves terabytes).
                                 Said here, not by the environment: both flavours of a test
                                 run with the same one, so code cannot tell them apart by it */
    /* Called once the command has started (in its cgroup), before sbx_run
     * waits for it: where to start a process that works beside it. Moving
     * a process into a cgroup v1 waits for an RCU grace period, which a busy
     * second core stretches from microseconds to a timer tick or two: a
     * partner started before the move makes every run slower. NULL: none. */
    void (*on_start)(void *arg);
    void *on_start_arg;
} sbx_spec;

typedef struct sbx_result {
    int status;          /* raw wait status of the command */
    bool timed_out;      /* killed by the wall-clock limit */
    bool cpu_exceeded;   /* killed by the CPU-time limit */
    bool output_limit;   /* killed for printing more than output_cap */
    bool memory_limit;   /* the memory limit was hit: the cgroup OOM-killed something, or
                            (no cgroup) the run's resident memory passed it and it was killed */
    size_t memory_bytes; /* the memory limit that applied */
    bool scratch_limit;  /* killed for filling its scratch dir (more than
                            scratch_limit_mib MB or scratch_limit_files entries) */
    unsigned scratch_limit_mib, scratch_limit_files;
    char *output;        /* stdout+stderr, NUL-terminated, at most output_cap bytes */
    size_t output_len;
    double wall_ms;
    double cpu_ms;
    bool cancelled;      /* ended early by sbx_cancel: its outcome means nothing */
} sbx_result;

/* Runs the command. Returns 0 when it was run (whatever its outcome, see
 * `res`), -1 when the sandbox itself failed (errno set). */
int sbx_run(const sbx_spec *spec, sbx_result *res);

/* How long (ms) the machine kept the run at `root` (its descendants and
 * process group), `elapsed_ms` old, waiting for a CPU it was ready to use:
 * the most any of its live threads spent runnable but not running, at most
 * the time the run had no CPU at all (rundelay.c). sbx_run adds it to a
 * run's wall limit, up to SBX_STARVED_CREDIT x the limit; so does any other
 * runner with a wall limit (`grader stress`). */
double sbx_tree_run_delay_ms(pid_t root, double elapsed_ms);
#define SBX_STARVED_CREDIT 2

/* From a signal handler too: every run of this process, the one in
 * progress and any later one, ends at once (within 20 ms), cleaned up as
 * after a timeout, with res->cancelled set. For a process whose work is no
 * longer wanted (a test run made ahead of time, pool.c). */
void sbx_cancel(void);

/* Frees what sbx_run allocated in `res`. */
void sbx_result_free(sbx_result *res);

/* What isolation is in force on this machine for this user, for the JSON's
 * "sandbox" object. `level`: "full" (namespaces, cgroup and seccomp),
 * "namespaces" (no cgroup: not root), "rlimits" (own process group only);
 * `notes` says what was missing, or "". */
typedef struct sbx_caps {
    const char *level;
    bool rlimits, process_group;
    bool user_ns, pid_ns, mount_ns, net_ns, ipc_ns, uts_ns;
    bool cgroup, seccomp;
    int cgroup_version;   /* 0 (none), 1 or 2 */
    bool no_new_privs;
    long outside_uid;     /* the uid sandboxed processes have outside */
    bool results_protected; /* false when student code runs under the grader's own uid
                               without namespaces (GRADER_SANDBOX=plain, not root): it can
                               then outlive the grading and rewrite the grader's files */
    const char *notes;
} sbx_caps;

void sbx_capabilities(sbx_caps *out);

/* Closes every fd from 3 up except the n in `keep` (negative ones are
 * ignored), in a few close_range() calls rather than one close() per
 * possible fd: with a high RLIMIT_NOFILE the loop costs milliseconds in
 * every child we start. Async-signal-safe. */
void sbx_close_fds_except(const int *keep, size_t n);

#endif
