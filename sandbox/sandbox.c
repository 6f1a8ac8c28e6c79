/* sandbox.c - start a command in its own process group with resource limits,
 * capture its output up to a cap, and kill everything it started at the end.
 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_MEM (2048ul << 20)
#define DEFAULT_PROCS 512
#define DEFAULT_FILE (64ul << 20)
#define DEFAULT_FDS 256

static const char *const default_env[] = {
    "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C", "LC_ALL=C", NULL
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void set_limit(int resource, rlim_t value)
{
    struct rlimit rl = { value, value };
    setrlimit(resource, &rl);
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void child_exec(const sbx_spec *spec, int out_fd)
{
    setpgid(0, 0);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
        _exit(127);
    /* Close everything but stdio and the fd the caller hands over. */
    for (int fd = 3; fd < 1024; fd++)
        if (fd != spec->pass_fd)
            close(fd);
    if (spec->pass_fd >= 0)
        fcntl(spec->pass_fd, F_SETFD, 0);
    if (spec->workdir && chdir(spec->workdir) != 0)
        _exit(127);
    if (spec->cpu_ms)
        set_limit(RLIMIT_CPU, (spec->cpu_ms + 999) / 1000);
    set_limit(RLIMIT_CORE, 0);
    set_limit(RLIMIT_FSIZE, spec->max_file_bytes ? spec->max_file_bytes : DEFAULT_FILE);
    set_limit(RLIMIT_NOFILE, DEFAULT_FDS);
    set_limit(RLIMIT_NPROC, spec->max_procs ? spec->max_procs : DEFAULT_PROCS);
    /* Address space is not limited here: ThreadSanitizer reserves terabytes
     * of virtual memory, and thread stacks count too. */
    (void)DEFAULT_MEM;
    signal(SIGPIPE, SIG_DFL);
    execve(spec->argv[0], (char *const *)spec->argv,
           (char *const *)(spec->envp ? spec->envp : default_env));
    _exit(127);
}

int sbx_run(const sbx_spec *spec, sbx_result *res)
{
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
    double start = now_ms();
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(pipefd[0]);
        close(pipefd[1]);
        free(res->output);
        res->output = NULL;
        errno = e;
        return -1;
    }
    if (pid == 0)
        child_exec(spec, pipefd[1]);
    setpgid(pid, pid); /* also in the parent: no race with the first kill */
    close(pipefd[1]);

    bool open_pipe = true, exited = false;
    int status = 0;
    struct rusage ru = { 0 };
    while (!exited) {
        int wait_ms = 20;
        if (spec->wall_ms) {
            double left = start + spec->wall_ms - now_ms();
            if (left <= 0) {
                res->timed_out = true;
                break;
            }
            if (left < wait_ms)
                wait_ms = (int)left + 1;
        }
        if (open_pipe) {
            struct pollfd p = { pipefd[0], POLLIN, 0 };
            if (poll(&p, 1, wait_ms) > 0) {
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
        } else {
            struct timespec ts = { 0, 5 * 1000000L };
            nanosleep(&ts, NULL);
        }
        pid_t w = wait4(pid, &status, WNOHANG, &ru);
        if (w == pid)
            exited = true;
    }
    /* Whatever happened, nothing the command started survives it. */
    kill(-pid, SIGKILL);
    if (!exited) {
        kill(pid, SIGKILL);
        while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
            ;
    }
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
    res->wall_ms = now_ms() - start;
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

void sbx_capabilities(sbx_caps *out)
{
    memset(out, 0, sizeof *out);
    out->level = "rlimits";
    out->rlimits = true;
    out->process_group = true;
    out->notes = "no namespaces, cgroups or seccomp yet";
}
