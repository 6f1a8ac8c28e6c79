/* internal.h - what the sandbox's modules share; not part of its interface.
 *
 * sandbox.c runs the show (pipes, timeouts, output, the final kill); ns.c
 * builds the namespaces and the private root and runs the in-namespace init;
 * cgroup.c puts a run in its own memory+pids cgroup; rlimits.c and seccomp.c
 * apply the per-process limits in the command's process just before execve.
 */
#ifndef SANDBOX_INTERNAL_H
#define SANDBOX_INTERNAL_H

#include "sandbox.h"

#include <stdbool.h>
#include <sys/types.h>

#define SBX_DEFAULT_MEM (2048ul << 20)
#define SBX_COMPILE_MEM (1024ul << 20)
#define SBX_DEFAULT_PROCS 512
#define SBX_DEFAULT_FILE (64ul << 20)
#define SBX_DEFAULT_FDS 256
#define SBX_INSIDE_ID 1000 /* uid and gid of the command inside its user namespace */

/* ---- rlimits.c ---- */
/* Sets CPU, file size, open files, processes, core (0) and, for runs that
 * are neither ThreadSanitizer runs nor unlimited, address space. Only
 * async-signal-safe calls. */
void sbx_apply_rlimits(const sbx_spec *spec, bool as_limit);
/* True for a ThreadSanitizer run (no RLIMIT_AS). */
bool sbx_is_tsan_run(const sbx_spec *spec);

/* ---- seccomp.c ---- */
/* Builds the test-run filter once, in the parent (it allocates). Returns 0
 * when a filter is ready. */
int sbx_seccomp_prepare(void);
/* Loads the prepared filter in the command's process (after no_new_privs).
 * Returns 0 on success. */
int sbx_seccomp_load(void);
bool sbx_seccomp_available(void);

/* ---- witness.c ---- */
/* In init: forks the helper that serves `chan` (sbx_spec.witness_fd) and
 * closes init's copy. Returns 0, or -1 (errno set). */
int sbx_witness_start(int chan);

/* ---- cgroup.c ---- */
typedef struct sbx_cgroup {
    char mem[512];  /* the run's memory cgroup dir, or "" */
    char pids[512]; /* the run's pids cgroup dir, or "" (v2: both the same) */
    char cpu[512];  /* v1 only: the run's cpu cgroup dir, or "" (v2: cpu is in mem) */
    int version;    /* 0: none, 1, 2 */
} sbx_cgroup;

/* Which cgroup version is usable here (0: none). Cached. The first call
 * also removes stale groups (sbx_cgroup_sweep). */
int sbx_cgroup_probe(void);
/* Removes base's empty sbx-PID-N groups whose PID is gone, made at least
 * min_age_s seconds ago; returns how many. */
int sbx_cgroup_sweep(const char *base, long min_age_s);
/* True when each run also gets a cpu group of its own (a fair share). */
bool sbx_cgroup_fair_cpu(void);
/* Creates a fresh cgroup with the given limits. Returns 0, or -1 (no cgroup). */
int sbx_cgroup_create(sbx_cgroup *cg, size_t mem_bytes, unsigned max_procs);
/* Moves a process into it. */
int sbx_cgroup_add(const sbx_cgroup *cg, pid_t pid);
/* True when the memory limit was hit during the run. */
bool sbx_cgroup_oom(const sbx_cgroup *cg);
/* Kills every process left in it and removes it. */
void sbx_cgroup_destroy(sbx_cgroup *cg);

/* ---- tree.c ---- */
/* The pids of the run rooted at `root`: its descendants and its process
 * group (malloc'd, *count of them; NULL when /proc cannot be read). */
pid_t *sbx_tree_pids(pid_t root, size_t *count);

/* ---- memwatch.c ---- */
/* Resident bytes of the run rooted at `root`: its descendants and its
 * process group. Polled by sbx_run when the run has no memory cgroup. */
size_t sbx_tree_resident_bytes(pid_t root);
/* How often (ms) sbx_run polls it. */
#define SBX_MEMWATCH_MS 100

/* ---- scratchwatch.c ---- */
/* True when `dir` holds more than max_bytes (allocated) or max_entries
 * files and directories. Stops walking at the first bound it passes. */
bool sbx_dir_over(const char *dir, size_t max_bytes, size_t max_entries);
#define SBX_SCRATCH_BYTES (128ul << 20)
#define SBX_SCRATCH_ENTRIES 1024

/* ---- ns.c ---- */
typedef struct sbx_ns_run {
    pid_t init_pid;   /* our init, PID 1 of the new PID namespace */
    int status_fd;    /* init writes the command's wait status here, then exits */
    int go_fd;        /* we write one byte when the maps and cgroup are set */
} sbx_ns_run;

/* Starts init in new namespaces; it sets up the private root and runs the
 * command with stdout/stderr on out_fd. Returns 0 or -1 (errno). */
int sbx_ns_start(const sbx_spec *spec, int out_fd, sbx_ns_run *run);
/* Writes the uid/gid maps and lets init go on. */
int sbx_ns_release(sbx_ns_run *run);
/* After init exited: 1 and the command's wait status; 0 when the setup
 * failed (step and errno); -1 when init was killed before reporting. */
int sbx_ns_report(sbx_ns_run *run, int *status, int *step, int *err);

/* ---- sandbox.c, shared by the child paths ---- */
/* Everything the command's own process does before execve (stdio, fds,
 * limits, identity, no_new_privs, seccomp). Never returns. */
void sbx_exec_command(const sbx_spec *spec, int out_fd, bool in_ns);
/* The uid/gid the sandboxed processes get outside (root: nobody). */
uid_t sbx_outside_uid(void);
gid_t sbx_outside_gid(void);

#endif
