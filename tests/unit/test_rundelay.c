/* test_rundelay.c - the sandbox gives a starved run its time back
 * (sandbox/rundelay.c): a busy process that shares one CPU with hogs has
 * run delay, a sleeping one has none; and sbx_run lets a starved run that
 * needs more wall time than its limit finish, while a run that sleeps
 * still times out at its limit; and a run that spins many threads takes
 * its own share of the CPU, not the run's beside it. The hogs and the runs are pinned to one
 * CPU, so the machine's own load only adds to the delay. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../sandbox/internal.h"
#include "../../sandbox/sandbox.h"

enum { HOGS = 3 };

static void pin_to_one_cpu(void)
{
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    sched_setaffinity(0, sizeof one, &one);
}

static void unpin(void)
{
    cpu_set_t all;
    CPU_ZERO(&all);
    for (int i = 0; i < CPU_SETSIZE; i++)
        CPU_SET(i, &all);
    sched_setaffinity(0, sizeof all, &all);
}

static pid_t spawn(void (*body)(void))
{
    pid_t pid = fork();
    if (pid == 0) {
        body();
        _exit(0);
    }
    return pid;
}

static void spin_forever(void)
{
    for (;;)
        ;
}

static void sleep_forever(void)
{
    for (;;)
        pause();
}

static void stop(pid_t pid)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

START_TEST(starved_run_has_delay_sleeping_run_none)
{
    pin_to_one_cpu();
    pid_t hogs[HOGS];
    for (int i = 0; i < HOGS; i++)
        hogs[i] = spawn(spin_forever);
    pid_t busy = spawn(spin_forever), idle = spawn(sleep_forever);
    sleep_ms(400);
    double starved = sbx_tree_run_delay_ms(busy, 400), slept = sbx_tree_run_delay_ms(idle, 400);
    stop(busy);
    stop(idle);
    for (int i = 0; i < HOGS; i++)
        stop(hogs[i]);
    unpin();
    /* Four spinners on one CPU: the busy one waits about 3/4 of the time. */
    ck_assert_msg(starved > 150, "a spinner sharing a CPU with %d hogs waited %.0f ms", HOGS,
                  starved);
    ck_assert_msg(slept < 50, "a sleeping process waited %.0f ms for a CPU", slept);
}
END_TEST

/* sbx_run of `cmd` (sh -c) with a wall limit, beside the hogs. */
static sbx_result run_beside_hogs(const char *cmd, unsigned wall_ms)
{
    pin_to_one_cpu();
    pid_t hogs[HOGS];
    for (int i = 0; i < HOGS; i++)
        hogs[i] = spawn(spin_forever);
    const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
    /* .sanitizer: no RLIMIT_AS, which the ASan code of this binary's
     * forked child could not live with before its exec. */
    sbx_spec spec = { .argv = argv, .workdir = "/", .wall_ms = wall_ms, .pass_fd = -1,
                      .sanitizer = true };
    sbx_result res;
    int rc = sbx_run(&spec, &res);
    for (int i = 0; i < HOGS; i++)
        stop(hogs[i]);
    unpin();
    ck_assert_int_eq(rc, 0);
    return res;
}

START_TEST(starved_run_finishes_sleeping_run_times_out)
{
    /* About 150 ms of CPU, which takes 600 ms or more of wall time beside
     * three hogs: more than its 400 ms limit, less than 3 x. */
    sbx_result res = run_beside_hogs("i=0; while [ $i -lt 60000 ]; do i=$((i+1)); done", 400);
    ck_assert_msg(!res.timed_out && WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0,
                  "a starved run did not finish (status %d, %s, %.0f ms of wall time): %.200s",
                  res.status, res.timed_out ? "stopped at its limit" : "not stopped",
                  res.wall_ms, res.output ? res.output : "");
    sbx_result_free(&res);
    /* A sleeper is not runnable: no credit, stopped at the limit. */
    res = run_beside_hogs("sleep 5", 400);
    ck_assert_msg(res.timed_out, "a sleeping run was not stopped");
    ck_assert_msg(res.wall_ms < 900, "a sleeping run was stopped only after %.0f ms", res.wall_ms);
    sbx_result_free(&res);
}
END_TEST

/* ---- fair share between runs (cgroup.c's cpu group) ---------------- */

static void *run_spinners(void *arg)
{
    (void)arg;
    const char *argv[] = { "/bin/sh", "-c",
                           "for i in 1 2 3 4 5 6 7 8; do (while :; do :; done) & done; wait",
                           NULL };
    sbx_spec spec = { .argv = argv, .workdir = "/", .wall_ms = 2500, .pass_fd = -1,
                      .sanitizer = true };
    static sbx_result res;
    sbx_run(&spec, &res);
    sbx_result_free(&res);
    return NULL;
}

/* True when the scheduler gives each session a fair share (autogroups). */
static bool autogroups_on(void)
{
    FILE *f = fopen("/proc/sys/kernel/sched_autogroup_enabled", "r");
    int on = 0;
    if (f) {
        if (fscanf(f, "%d", &on) != 1)
            on = 0;
        fclose(f);
    }
    return on == 1;
}

/* The share of CPU 0 a busy loop gets in a run of its own, with the
 * spinners' run beside it or not. */
static double busy_share(bool beside_spinners)
{
    pthread_t spinners;
    if (beside_spinners) {
        ck_assert_int_eq(pthread_create(&spinners, NULL, run_spinners, NULL), 0);
        sleep_ms(300);
    }
    const char *argv[] = { "/bin/sh", "-c", "i=0; while [ $i -lt 60000 ]; do i=$((i+1)); done",
                           NULL };
    sbx_spec spec = { .argv = argv, .workdir = "/", .wall_ms = 20000, .pass_fd = -1,
                      .sanitizer = true };
    sbx_result res;
    int rc = sbx_run(&spec, &res);
    if (beside_spinners)
        pthread_join(spinners, NULL);
    ck_assert_int_eq(rc, 0);
    double share = res.wall_ms > 0 ? res.cpu_ms / res.wall_ms : 0;
    sbx_result_free(&res);
    return share;
}

/* One CPU for both runs: eight spinners in one, one busy loop in the
 * other. Each run is one entity to the scheduler, so the loop keeps about
 * half the share it has alone; were it not, it would keep a ninth. (Alone
 * first: the machine's own load lowers both alike.) */
static void check_fair_share(const char *how)
{
    pin_to_one_cpu();
    double alone = busy_share(false), beside = busy_share(true);
    unpin();
    ck_assert_msg(beside > alone / 4,
                  "%s: a busy run had %.0f%% of a CPU alone, %.0f%% beside a run of 8 "
                  "spinners: runs do not get a fair share (1/2 of it is fair, 1/9 is not)",
                  how, alone * 100, beside * 100);
}

START_TEST(spinning_run_leaves_the_run_beside_it_its_share)
{
    if (!sbx_cgroup_fair_cpu()) {
        printf("skipped: no cpu cgroup for runs here (not root, or no cpu controller)\n");
        return;
    }
    check_fair_share("with a cpu cgroup per run");
}
END_TEST

/* Without cgroups (not root): each run is a session, so an autogroup. */
START_TEST(spinning_run_without_cgroups_leaves_its_share)
{
    if (!autogroups_on()) {
        printf("skipped: the kernel's autogroups are off here\n");
        return;
    }
    setenv("GRADER_SANDBOX_CGROUP", "none", 1); /* this test's own process (Check forks) */
    if (sbx_cgroup_probe() != 0) {
        printf("skipped: cgroups were probed before this test (CK_FORK=no?)\n");
        return;
    }
    check_fair_share("without cgroups (a session per run)");
}
END_TEST

TCase *rundelay_tcase(void)
{
    TCase *tc = tcase_create("rundelay");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, starved_run_has_delay_sleeping_run_none);
    tcase_add_test(tc, starved_run_finishes_sleeping_run_times_out);
    tcase_add_test(tc, spinning_run_leaves_the_run_beside_it_its_share);
    tcase_add_test(tc, spinning_run_without_cgroups_leaves_its_share);
    return tc;
}
