/* sandbox.c - sbx_run(): start a command in the strongest isolation this
 * machine allows (namespaces + cgroup + seccomp, see ns.c, cgroup.c,
 * seccomp.c; else its own process group), enforce the wall-clock limit and
 * the output cap, and kill everything it started at the end.
 */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* close_range(first, last) with the loop it replaces as the fallback
 * (kernels before 5.9). */
static void close_span(unsigned first, unsigned last)
{
    if (first > last || syscall(SYS_close_range, first, last, 0) == 0)
        return;
    long max = sysconf(_SC_OPEN_MAX);
    unsigned top = max > 0 && max < 65536 ? (unsigned)max - 1 : 65535;
    for (unsigned fd = first; fd <= last && fd <= top; fd++)
        close((int)fd);
}

void sbx_close_fds_except(const int *keep, size_t n)
{
    unsigned next = 3;
    for (;;) { /* the smallest kept fd from `next` up (n is tiny: no sort) */
        int lo = -1;
        for (size_t i = 0; i < n; i++)
            if (keep[i] >= (int)next && (lo < 0 || keep[i] < lo))
                lo = keep[i];
        if (lo < 0)
            break;
        if ((unsigned)lo > next)
            close_span(next, (unsigned)lo - 1);
        next = (unsigned)lo + 1;
    }
    close_span(next, ~0U);
}

static const char *const default_env[] = {
    "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C", "LC_ALL=C", NULL
};

/* What the probes found; filled once. */
static struct {
    bool done, ns, seccomp;
    int cgroup;
    char notes[256];
} probe;

/* sbx_cancel's flag: set from a signal handler, read by the wait loop. */
static volatile sig_atomic_t cancelled;

void sbx_cancel(void) { cancelled = 1; }

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

uid_t sbx_outside_uid(void)
{
    const char *env = getenv("GRADER_SANDBOX_UID");
    if (geteuid() != 0)
        return geteuid();
    return env && *env ? (uid_t)strtoul(env, NULL, 10) : 65534;
}

gid_t sbx_outside_gid(void)
{
    if (geteuid() != 0)
        return getegid();
    return 65534;
}

/* In the command's process, between fork and exec: async-signal-safe only. */
void sbx_exec_command(const sbx_spec *spec, int out_fd, bool in_ns)
{
    /* A session of its own is a process group of its own, and also an
     * autogroup of the scheduler's (sched_autogroup_enabled, on by default):
     * without a cpu cgroup (not root) each run still gets a fair share of
     * the CPU as one entity, whatever the number of its threads and
     * processes, and a fork bomb in one test does not starve the test
     * beside it. Already a leader (start's own setsid): a group is enough. */
    if (setsid() < 0)
        setpgid(0, 0);
    pid_t grader = getppid(); /* alive: it released us (see start) */
    int in = open("/dev/null", O_RDONLY);
    if (in < 0) { /* no /dev/null: stdin is an empty pipe */
        int p[2];
        if (pipe(p) == 0) {
            close(p[1]);
            in = p[0];
        }
    }
    if (in < 0 || dup2(in, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
        _exit(127);
    /* Close everything but stdio and the fd the caller hands over. */
    int keep2 = spec->pass_fd2 > 2 ? spec->pass_fd2 : -1;
    sbx_close_fds_except((const int[]){ spec->pass_fd, keep2 }, 2);
    if (spec->pass_fd >= 0)
        fcntl(spec->pass_fd, F_SETFD, 0);
    if (keep2 >= 0)
        fcntl(keep2, F_SETFD, 0);
    if (spec->workdir && chdir(spec->workdir) != 0)
        _exit(127);
    sbx_apply_rlimits(spec, !sbx_is_tsan_run(spec));
    /* Without namespaces nothing else stops root: drop to the outside uid
     * (nobody) so hostile code cannot touch the machine. */
    if (!in_ns && geteuid() == 0) {
        if (setgroups(0, NULL) != 0 || setgid(sbx_outside_gid()) != 0 ||
            setuid(sbx_outside_uid()) != 0)
            _exit(127);
    }
    /* After the last credential change, which clears it; a grader that
     * died before it was set is seen in getppid(). (In namespaces init's
     * death kills the command with the whole PID namespace.) */
    if (!in_ns && (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != grader))
        _exit(127);
    signal(SIGPIPE, SIG_DFL);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        _exit(127);
    if (!spec->compiler && probe.seccomp && sbx_seccomp_load() != 0)
        _exit(127);
    execve(spec->argv[0], (char *const *)spec->argv,
           (char *const *)(spec->envp ? spec->envp : default_env));
    _exit(127);
}

/* As root the command runs as nobody: it must be able to use its dirs. */
static void hand_over(const char *dir, bool create)
{
    if (!dir)
        return;
    if (create && mkdir(dir, 0700) != 0 && errno != EEXIST)
        return;
    if (geteuid() != 0)
        return;
    struct stat st;
    if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid != sbx_outside_uid())
        lchown(dir, sbx_outside_uid(), sbx_outside_gid());
}

/* Before a test run, as root: the work dir and what the compile steps left
 * in it belong to us again, so the command cannot rewrite the test binary
 * (it runs as nobody). Links are changed, never followed. */
static void take_back(const char *dir)
{
    if (!dir || geteuid() != 0)
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return;
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_uid != 0) {
        DIR *d = fdopendir(dup(fd));
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                fchownat(fd, e->d_name, 0, 0, AT_SYMLINK_NOFOLLOW);
        if (d)
            closedir(d);
        fchown(fd, 0, 0);
        fchmod(fd, 0755);
    }
    close(fd);
}

static int start(const sbx_spec *spec, int out_fd, bool use_ns, sbx_ns_run *run,
                 const sbx_cgroup *cg, pid_t *pid)
{
    if (use_ns) {
        if (sbx_ns_start(spec, out_fd, run) != 0)
            return -1;
        *pid = run->init_pid;
        if (cg->version)
            sbx_cgroup_add(cg, *pid);
        if (sbx_ns_release(run) != 0) {
            int e = errno;
            kill(*pid, SIGKILL);
            waitpid(*pid, NULL, 0);
            close(run->status_fd);
            errno = e;
            return -1;
        }
        return 0;
    }
    int go[2];
    if (pipe2(go, O_CLOEXEC) != 0)
        return -1;
    *pid = fork();
    if (*pid < 0) {
        int e = errno;
        close(go[0]);
        close(go[1]);
        errno = e;
        return -1;
    }
    if (*pid == 0) {
        char c;
        setsid(); /* before anything can be started: see sbx_exec_command */
        close(go[1]);
        if (read(go[0], &c, 1) != 1)
            _exit(127);
        sbx_exec_command(spec, out_fd, false);
    }
    /* No setpgid(*pid, *pid) here (it would make the child a group leader,
     * which setsid refuses): until its setsid the child is one process,
     * which the kill of its pid reaches. */
    close(go[0]);
    if (cg->version)
        sbx_cgroup_add(cg, *pid);
    if (write(go[1], "g", 1) != 1) {
        close(go[1]);
        return -1;
    }
    close(go[1]);
    return 0;
}

static void probe_once(void);

int sbx_run(const sbx_spec *spec, sbx_result *res)
{
    probe_once();
    memset(res, 0, sizeof *res);
    size_t cap = spec->output_cap ? spec->output_cap : 65536;
    res->output = malloc(cap + 1);
    if (!res->output)
        return -1;
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        free(res->output);
        res->output = NULL;
        return -1;
    }
    sbx_cgroup cg = { .version = 0 };
    size_t mem = spec->mem_bytes ? spec->mem_bytes
                                 : (spec->compiler ? SBX_COMPILE_MEM : SBX_DEFAULT_MEM);
    if (probe.cgroup)
        sbx_cgroup_create(&cg, mem, spec->max_procs ? spec->max_procs : SBX_DEFAULT_PROCS);
    /* Without a cgroup nothing bounds a tree's memory (nor a TSan run's, which
     * has no RLIMIT_AS): we watch it ourselves (memwatch.c). */
    bool watch_memory = cg.version == 0;
    res->memory_bytes = mem;
    res->scratch_limit_mib = (unsigned)(SBX_SCRATCH_BYTES >> 20);
    res->scratch_limit_files = SBX_SCRATCH_ENTRIES;
    if (spec->compiler)
        hand_over(spec->workdir, false);
    else
        take_back(spec->workdir);
    hand_over(spec->scratch_dir, true);

    double start_ms = now_ms();
    sbx_ns_run run = { .status_fd = -1, .go_fd = -1 };
    pid_t pid;
    if (start(spec, pipefd[1], probe.ns, &run, &cg, &pid) != 0) {
        int e = errno;
        close(pipefd[0]);
        close(pipefd[1]);
        sbx_cgroup_destroy(&cg);
        free(res->output);
        res->output = NULL;
        errno = e;
        return -1;
    }
    close(pipefd[1]);
    if (spec->on_start)
        spec->on_start(spec->on_start_arg);

    bool open_pipe = true, exited = false;
    int status = 0;
    struct rusage ru = { 0 };
    /* Readable when the child has exited: its end is seen at once, not at
     * the next 1 ms tick (before Linux 5.3: -1, and the tick it is). */
    int exitfd = (int)syscall(SYS_pidfd_open, pid, 0);
    double next_watch_ms = start_ms + SBX_MEMWATCH_MS;
    double credit_ms = 0; /* wall time given back to a starved run */
    while (!exited) {
        if (cancelled) {
            res->cancelled = true;
            break;
        }
        if ((watch_memory || spec->scratch_dir) && now_ms() >= next_watch_ms) {
            next_watch_ms = now_ms() + SBX_MEMWATCH_MS;
            if (watch_memory && sbx_tree_resident_bytes(pid) > mem) {
                res->memory_limit = true;
                break;
            }
            if (spec->scratch_dir &&
                sbx_dir_over(spec->scratch_dir, SBX_SCRATCH_BYTES, SBX_SCRATCH_ENTRIES)) {
                res->scratch_limit = true;
                break;
            }
        }
        int wait_ms = 20;
        if (spec->wall_ms) {
            double left = start_ms + spec->wall_ms + credit_ms - now_ms();
            if (left <= 0) {
                /* Time the machine kept the run from a CPU it was ready
                 * for does not count (rundelay.c), up to a bound. */
                double owed = sbx_tree_run_delay_ms(pid, now_ms() - start_ms);
                double most = SBX_STARVED_CREDIT * spec->wall_ms;
                credit_ms = owed < most ? owed : most;
                left = start_ms + spec->wall_ms + credit_ms - now_ms();
            }
            if (left <= 0) {
                res->timed_out = true;
                break;
            }
            if (left < wait_ms)
                wait_ms = (int)left + 1;
        }
        if (open_pipe) {
            struct pollfd p[2] = { { pipefd[0], POLLIN, 0 }, { exitfd, POLLIN, 0 } };
            if (poll(p, exitfd >= 0 ? 2 : 1, wait_ms) > 0 && p[0].revents) {
                char buf[8192];
                ssize_t n = read(pipefd[0], buf, sizeof buf);
                if (n <= 0) {
                    open_pipe = false;
                } else {
                    size_t keep = (size_t)n;
                    if (res->output_len + keep > cap) {
                        keep = cap - res->output_len;
                        res->output_limit = true;
                    }
                    memcpy(res->output + res->output_len, buf, keep);
                    res->output_len += keep;
                    if (res->output_limit)
                        break;
                }
            }
        } else if (exitfd >= 0) {
            struct pollfd p = { exitfd, POLLIN, 0 };
            poll(&p, 1, wait_ms);
        } else {
            struct timespec ts = { 0, 1000000L };
            nanosleep(&ts, NULL);
        }
        pid_t w = wait4(pid, &status, WNOHANG, &ru);
        if (w == pid)
            exited = true;
    }
    /* Whatever happened, nothing the command started survives it: killing
     * init ends its PID namespace; the process group and the cgroup catch
     * the rest in the other modes. */
    if (!exited) {
        kill(pid, SIGKILL);
        while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
            ;
    }
    if (!probe.ns)
        kill(-pid, SIGKILL);
    if (probe.ns) {
        int st = 0, step = 0, err = 0;
        int r = sbx_ns_report(&run, &st, &step, &err);
        if (r == 1) {
            status = st;
        } else if (r == 0) {
            snprintf(res->output, cap + 1, "sandbox setup failed at step %d: %s", step,
                     strerror(err));
            res->output_len = strlen(res->output);
            status = 127 << 8;
        } else {
            status = SIGKILL; /* init was killed: so was the command */
        }
    }
    if (sbx_cgroup_oom(&cg))
        res->memory_limit = true;
    /* A spike between two polls: the kernel's peak resident size of the
     * command (init in namespaces: it reaps the whole tree, and wait4 counts
     * the largest of what it reaped) says it too. */
    if (watch_memory && (size_t)ru.ru_maxrss * 1024 > mem)
        res->memory_limit = true;
    /* And what it left in its scratch dir after the last poll. */
    if (spec->scratch_dir &&
        sbx_dir_over(spec->scratch_dir, SBX_SCRATCH_BYTES, SBX_SCRATCH_ENTRIES))
        res->scratch_limit = true;
    sbx_cgroup_destroy(&cg);
    if (exitfd >= 0)
        close(exitfd);
    /* Drain what is left in the pipe without blocking on grandchildren. */
    fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
    while (!res->output_limit && res->output_len < cap) {
        ssize_t n = read(pipefd[0], res->output + res->output_len, cap - res->output_len);
        if (n <= 0)
            break;
        res->output_len += (size_t)n;
    }
    close(pipefd[0]);
    res->output[res->output_len] = '\0';
    res->status = status;
    res->wall_ms = now_ms() - start_ms;
    res->cpu_ms = ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 +
                  ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU)
        res->cpu_exceeded = true;
    return 0;
}

void sbx_result_free(sbx_result *res)
{
    free(res->output);
    res->output = NULL;
}

/* ---- probing ------------------------------------------------------------ */

/* Runs `true` in the full sandbox: namespaces work when it exits 0. */
static bool ns_works(void)
{
    const char *const argv[] = { "/bin/true", NULL };
    sbx_spec spec = { .argv = argv, .workdir = "/", .wall_ms = 5000, .pass_fd = -1 };
    sbx_result res;
    if (sbx_run(&spec, &res) != 0)
        return false;
    bool ok = WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0;
    if (!ok)
        snprintf(probe.notes, sizeof probe.notes, "namespaces unusable (%s); ",
                 res.output_len ? res.output : "the probe failed");
    sbx_result_free(&res);
    return ok;
}

static void probe_once(void)
{
    if (probe.done)
        return;
    probe.done = true;
    const char *mode = getenv("GRADER_SANDBOX");
    bool plain = mode && strcmp(mode, "plain") == 0;
    probe.seccomp = !(mode && strcmp(mode, "noseccomp") == 0) && sbx_seccomp_prepare() == 0;
    probe.cgroup = plain ? 0 : sbx_cgroup_probe();
    if (!plain) {
        probe.ns = true; /* for the probe run itself */
        probe.ns = ns_works();
    } else {
        snprintf(probe.notes, sizeof probe.notes, "namespaces disabled (GRADER_SANDBOX=plain); ");
    }
}

void sbx_capabilities(sbx_caps *out)
{
    probe_once();
    memset(out, 0, sizeof *out);
    out->rlimits = true;
    out->process_group = !probe.ns;
    out->user_ns = out->pid_ns = out->mount_ns = out->net_ns = out->ipc_ns = out->uts_ns = probe.ns;
    out->cgroup = probe.cgroup != 0;
    out->cgroup_version = probe.cgroup;
    out->seccomp = probe.seccomp;
    out->no_new_privs = true;
    out->outside_uid = (long)sbx_outside_uid(); /* nobody when root, in every mode */
    /* Namespaces hide our files and end with the run; another uid cannot
     * write them. Plain mode under our own uid has neither. */
    out->results_protected = probe.ns || out->outside_uid != (long)geteuid();
    if (probe.ns && out->cgroup && out->seccomp)
        out->level = "full";
    else if (probe.ns)
        out->level = "namespaces";
    else
        out->level = "rlimits";
    static char notes[512];
    snprintf(notes, sizeof notes, "%s%s%s%s", probe.notes,
             !out->cgroup || sbx_cgroup_fair_cpu()
                 ? ""
                 : "no cpu controller: a test that spins many threads slows the test beside it; ",
             out->cgroup        ? ""
             : geteuid() == 0   ? "no usable cgroup (no memory and pids controllers for this "
                                  "process): memory bounded by rlimits only; "
                                : "no cgroup (needs root): memory bounded by rlimits only; ",
             out->seccomp ? "" : "no seccomp filter; ");
    size_t n = strlen(notes);
    if (n >= 2 && notes[n - 2] == ';')
        notes[n - 2] = '\0';
    out->notes = notes;
}
