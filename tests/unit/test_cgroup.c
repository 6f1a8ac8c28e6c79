/* test_cgroup.c - a run's cgroups do not outlive it for good: the groups a
 * grader could not remove (its processes took too long to exit, or the
 * grader was killed) are swept by the next grader (sandbox/cgroup.c,
 * sbx_cgroup_sweep): those named after a process that is gone, old enough,
 * and empty; never a live process's, never a young one. Needs cgroups (as
 * root); skipped elsewhere. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <check.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../sandbox/internal.h"

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* A pid that was ours and is gone (reaped). */
static pid_t gone_pid(void)
{
    pid_t p = fork();
    if (p == 0)
        _exit(0);
    waitpid(p, NULL, 0);
    return p;
}

START_TEST(stale_groups_are_swept)
{
    sbx_cgroup cg;
    if (sbx_cgroup_probe() <= 0 || sbx_cgroup_create(&cg, 64u << 20, 16) != 0) {
        printf("skipped: no cgroups for runs here (not root?)\n");
        return;
    }
    /* A base of our own under the real one: graders running beside this
     * test (the suite runs them in parallel) may leave groups of their own
     * in the real base, which a sweep there would count too. */
    char base[600];
    snprintf(base, sizeof base, "%s", cg.pids);
    dirname(base);
    size_t len = strlen(base);
    snprintf(base + len, sizeof base - len, "/sweep-test-%ld", (long)getpid());
    ck_assert_msg(mkdir(base, 0755) == 0, "mkdir %s: %s", base, strerror(errno));
    char live[700], stale[700], other[700];
    snprintf(live, sizeof live, "%s/sbx-%ld-1", base, (long)getpid());
    snprintf(stale, sizeof stale, "%s/sbx-%ld-1", base, (long)gone_pid());
    snprintf(other, sizeof other, "%s/not-ours", base);
    ck_assert_msg(mkdir(live, 0755) == 0, "mkdir %s: %s", live, strerror(errno));
    ck_assert_msg(mkdir(stale, 0755) == 0, "mkdir %s: %s", stale, strerror(errno));
    ck_assert_msg(mkdir(other, 0755) == 0, "mkdir %s: %s", other, strerror(errno));
    /* Young: kept (another PID namespace's grader may have just made it). */
    ck_assert_int_eq(sbx_cgroup_sweep(base, 600), 0);
    ck_assert(exists(stale));
    /* Old enough: the stale one goes; a live process's group and a group
     * not named by a grader stay. */
    ck_assert_int_eq(sbx_cgroup_sweep(base, 0), 1);
    ck_assert(!exists(stale));
    ck_assert(exists(live));
    ck_assert(exists(other));
    ck_assert(rmdir(live) == 0 && rmdir(other) == 0 && rmdir(base) == 0);
    char mine[sizeof cg.pids];
    snprintf(mine, sizeof mine, "%s", cg.pids);
    sbx_cgroup_destroy(&cg);
    ck_assert(!exists(mine));
}
END_TEST

TCase *cgroup_tcase(void)
{
    TCase *tc = tcase_create("cgroup");
    tcase_add_test(tc, stale_groups_are_swept);
    return tc;
}
