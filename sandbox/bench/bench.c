/* bench.c - the sandbox's overhead per run: N runs of the same binary by a
 * bare fork+execve+waitpid, by sbx_run() in each isolation mode the machine
 * allows (GRADER_SANDBOX/GRADER_SANDBOX_CGROUP select it, so one mode per
 * process), and by bwrap when it is installed. Prints one table row.
 *     bench MODE-LABEL N BINARY [ARGS...]     (MODE-LABEL "bare", "bwrap" or any)
 */
#include "../sandbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int bare(char **argv)
{
    pid_t p = fork();
    if (p == 0) {
        execv(argv[0], argv);
        _exit(127);
    }
    int st;
    return p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int sandboxed(char **argv)
{
    sbx_spec spec = { .argv = (const char *const *)argv, .workdir = "/", .wall_ms = 10000,
                      .cpu_ms = 10000, .pass_fd = -1 };
    sbx_result res;
    if (sbx_run(&spec, &res) != 0)
        return -1;
    int ok = WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0 ? 0 : -1;
    sbx_result_free(&res);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench LABEL N BINARY [ARGS...]\n");
        return 2;
    }
    const char *label = argv[1];
    int n = atoi(argv[2]);
    char **cmd = argv + 3;
    bool is_bare = strcmp(label, "bare") == 0 || strcmp(label, "bwrap") == 0;
    const char *level = "-";
    if (!is_bare) {
        sbx_caps caps;
        sbx_capabilities(&caps); /* the one-time probe, not measured */
        level = caps.level;
    }
    int failures = 0;
    double t0 = now_ms();
    for (int i = 0; i < n; i++)
        failures += (is_bare ? bare(cmd) : sandboxed(cmd)) != 0;
    double per = (now_ms() - t0) / n;
    printf("%-28s %-11s %8.2f ms/run  (%d runs, %d failed)\n", label, level, per, n, failures);
    return failures ? 1 : 0;
}
