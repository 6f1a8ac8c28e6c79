/* cgroup.c - one memory+pids cgroup per sandboxed run, when we may make
 * one (in practice: as root). cgroup v2 when its memory and pids controllers
 * are usable under our own cgroup, else the v1 memory and pids hierarchies.
 * At the end every process still in the group is killed and the group goes.
 *
 * The cpu controller joins when it can (optional: a run goes on without it).
 * Each run is then one scheduling entity of default weight, whatever the
 * number of its threads or processes: a fork bomb or 64 spinning threads in
 * one test take that test's share of the CPU, not the machine, and the test
 * running beside it (the grader runs two at once) keeps its own share.
 */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int version = -1;
static char base_mem[256], base_pids[256]; /* parents for new groups */
static char base_cpu[256]; /* v1: parent in the cpu hierarchy, or "" */
static bool fair_cpu;      /* each run's group has the cpu controller */
static unsigned counter;

static int write_str(const char *dir, const char *file, const char *value)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, value, strlen(value));
    int e = errno;
    close(fd);
    errno = e;
    return n == (ssize_t)strlen(value) ? 0 : -1;
}

static ssize_t read_str(const char *dir, const char *file, char *buf, size_t cap)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return n;
}

/* Our own cgroup path in a hierarchy: "0::" for v2, or the v1 controller. */
static bool own_path(const char *controller, char *out, size_t cap)
{
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f)
        return false;
    char line[512];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c2 = '\0';
        const char *ctrls = c1 + 1;
        bool match = controller ? false : (strcmp(line, "0") == 0 && *ctrls == '\0');
        if (controller) {
            char *save = NULL, *copy = strdup(ctrls);
            for (char *w = copy ? strtok_r(copy, ",", &save) : NULL; w; w = strtok_r(NULL, ",", &save))
                if (strcmp(w, controller) == 0)
                    match = true;
            free(copy);
        }
        if (match) {
            snprintf(out, cap, "%s", strcmp(c2 + 1, "/") == 0 ? "" : c2 + 1);
            found = true;
        }
    }
    fclose(f);
    return found;
}

/* True when the space-separated list has the word (cgroup.subtree_control
 * lists "cpuset" too, so strstr is not enough). */
static bool has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(list, word); p; p = strstr(p + 1, word))
        if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
            return true;
    return false;
}

static bool try_dir(const char *dir)
{
    char probe[300];
    snprintf(probe, sizeof probe, "%s/sbx-probe-%ld", dir, (long)getpid());
    if (mkdir(probe, 0755) != 0)
        return false;
    rmdir(probe);
    return true;
}

static bool probe_v2(void)
{
    char own[128];
    const char *root = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0
                           ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
    if (!own_path(NULL, own, sizeof own))
        return false;
    char dir[256], ctl[256];
    snprintf(dir, sizeof dir, "%s%s", root, own);
    if (read_str(dir, "cgroup.subtree_control", ctl, sizeof ctl) < 0)
        return false;
    if (!strstr(ctl, "memory") || !strstr(ctl, "pids"))
        write_str(dir, "cgroup.subtree_control", "+memory +pids");
    if (read_str(dir, "cgroup.subtree_control", ctl, sizeof ctl) < 0 || !strstr(ctl, "memory") ||
        !strstr(ctl, "pids") || !try_dir(dir))
        return false;
    /* Optional: the kernel refuses it while real-time threads run outside a
     * cgroup that has it, for instance. */
    if (!has_word(ctl, "cpu"))
        write_str(dir, "cgroup.subtree_control", "+cpu");
    fair_cpu = read_str(dir, "cgroup.subtree_control", ctl, sizeof ctl) > 0 && has_word(ctl, "cpu");
    snprintf(base_mem, sizeof base_mem, "%s", dir);
    snprintf(base_pids, sizeof base_pids, "%s", dir);
    return true;
}

static bool probe_v1(void)
{
    char own_mem[128], own_pids[128];
    if (!own_path("memory", own_mem, sizeof own_mem) || !own_path("pids", own_pids, sizeof own_pids))
        return false;
    snprintf(base_mem, sizeof base_mem, "/sys/fs/cgroup/memory%s", own_mem);
    snprintf(base_pids, sizeof base_pids, "/sys/fs/cgroup/pids%s", own_pids);
    if (!try_dir(base_mem) || !try_dir(base_pids))
        return false;
    char own_cpu[128];
    if (own_path("cpu", own_cpu, sizeof own_cpu)) {
        snprintf(base_cpu, sizeof base_cpu, "/sys/fs/cgroup/cpu%s", own_cpu);
        if (!try_dir(base_cpu))
            base_cpu[0] = '\0';
    }
    fair_cpu = base_cpu[0] != '\0';
    return true;
}

/* A run's groups go when it ends (sbx_cgroup_destroy), but not always: a
 * grader killed mid-run leaves them, and a TSan process on a loaded
 * machine can take longer to exit than destroy waits, which leaves its
 * pids and cpu groups behind (empty, later). So each grader first removes
 * the groups that are stale: named after a process that no longer exists,
 * made more than `min_age_s` seconds ago (a grader in another PID namespace
 * may share the hierarchy: its pids mean nothing here, and its young
 * groups may be empty between create and add). A group that still has
 * processes cannot be removed: rmdir refuses it. Returns how many went. */
int sbx_cgroup_sweep(const char *base, long min_age_s)
{
    DIR *d = base && *base ? opendir(base) : NULL;
    if (!d)
        return 0;
    int removed = 0;
    time_t now = time(NULL);
    for (struct dirent *e; (e = readdir(d));) {
        long pid;
        unsigned n;
        char rest;
        if (sscanf(e->d_name, "sbx-%ld-%u%c", &pid, &n, &rest) != 2 || pid <= 0 ||
            (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
            continue;
        char path[600];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", base, e->d_name);
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && now - st.st_mtime >= min_age_s &&
            rmdir(path) == 0)
            removed++;
    }
    closedir(d);
    return removed;
}

#define STALE_AGE_S 600 /* no run of ours lasts 10 minutes */

int sbx_cgroup_probe(void)
{
    if (version >= 0)
        return version;
    const char *env = getenv("GRADER_SANDBOX_CGROUP");
    if (env && strcmp(env, "none") == 0)
        version = 0;
    else if (geteuid() != 0)
        version = 0; /* delegated cgroups are possible but not set up here */
    else if (probe_v2())
        version = 2;
    else if (probe_v1())
        version = 1;
    else
        version = 0;
    if (version > 0) {
        sbx_cgroup_sweep(base_mem, STALE_AGE_S);
        if (strcmp(base_pids, base_mem) != 0)
            sbx_cgroup_sweep(base_pids, STALE_AGE_S);
        sbx_cgroup_sweep(base_cpu, STALE_AGE_S);
    }
    return version;
}

/* Moving a process into a cgroup (every run: sbx_cgroup_add) takes a
 * global kernel lock whose first writer after a quiet spell waits for an
 * RCU grace period: 5 to 25 ms on an idle machine, longer than most test
 * runs. The lock stays cheap while writers keep coming (the `favordynmods`
 * mount option keeps it so for good). So while we may start runs, a keeper
 * process moves itself into the cgroup it is already in every 10 ms: each
 * run's move then takes tens of microseconds (measured on a 2-core cgroup v1
 * VM: 5-25 ms without, 0.02-0.04 ms with). It holds no fd of ours, dies with
 * the process that started it, and quits at its first failed write. */
static void keep_moves_fast(void)
{
    static bool started;
    if (started || version <= 0)
        return;
    started = true;
    char procs[300];
    snprintf(procs, sizeof procs, "%s/cgroup.procs", base_pids);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return; /* never waited for: it outlives no one */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
        _exit(0);
    prctl(PR_SET_NAME, "grader-cgkeep"); /* what ps and pgrep show */
    sbx_close_fds_except(NULL, 0);
    close(0);
    close(1);
    close(2);
    int fd = open(procs, O_WRONLY | O_CLOEXEC);
    char me[24];
    int n = snprintf(me, sizeof me, "%ld", (long)getpid());
    struct timespec tick = { 0, 10 * 1000000L };
    while (fd >= 0 && write(fd, me, (size_t)n) == n)
        nanosleep(&tick, NULL);
    _exit(0);
}

bool sbx_cgroup_fair_cpu(void)
{
    return sbx_cgroup_probe() > 0 && fair_cpu;
}

int sbx_cgroup_create(sbx_cgroup *cg, size_t mem_bytes, unsigned max_procs)
{
    memset(cg, 0, sizeof *cg);
    if (sbx_cgroup_probe() == 0)
        return -1;
    keep_moves_fast();
    unsigned n = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
    char mem[32], procs[32];
    snprintf(mem, sizeof mem, "%zu", mem_bytes);
    snprintf(procs, sizeof procs, "%u", max_procs);
    snprintf(cg->mem, sizeof cg->mem, "%s/sbx-%ld-%u", base_mem, (long)getpid(), n);
    snprintf(cg->pids, sizeof cg->pids, "%s/sbx-%ld-%u", base_pids, (long)getpid(), n);
    cg->version = version;
    if (mkdir(cg->mem, 0755) != 0 && errno != EEXIST)
        goto fail;
    if (version == 1 && mkdir(cg->pids, 0755) != 0 && errno != EEXIST)
        goto fail;
    if (version == 1 && base_cpu[0]) {
        snprintf(cg->cpu, sizeof cg->cpu, "%s/sbx-%ld-%u", base_cpu, (long)getpid(), n);
        if (mkdir(cg->cpu, 0755) != 0 && errno != EEXIST)
            cg->cpu[0] = '\0'; /* optional */
    }
    if (version == 2) {
        if (write_str(cg->mem, "memory.max", mem) != 0 || write_str(cg->mem, "pids.max", procs) != 0)
            goto fail;
        write_str(cg->mem, "memory.swap.max", "0");
    } else {
        if (write_str(cg->mem, "memory.limit_in_bytes", mem) != 0 ||
            write_str(cg->pids, "pids.max", procs) != 0)
            goto fail;
        write_str(cg->mem, "memory.memsw.limit_in_bytes", mem);
    }
    return 0;
fail:
    sbx_cgroup_destroy(cg);
    return -1;
}

int sbx_cgroup_add(const sbx_cgroup *cg, pid_t pid)
{
    char s[32];
    snprintf(s, sizeof s, "%ld", (long)pid);
    if (write_str(cg->mem, "cgroup.procs", s) != 0)
        return -1;
    if (cg->version == 1 && write_str(cg->pids, "cgroup.procs", s) != 0)
        return -1;
    if (cg->version == 1 && cg->cpu[0])
        write_str(cg->cpu, "cgroup.procs", s); /* optional: fair share only */
    return 0;
}

bool sbx_cgroup_oom(const sbx_cgroup *cg)
{
    if (!cg->version)
        return false;
    char buf[1024];
    if (read_str(cg->mem, cg->version == 2 ? "memory.events" : "memory.oom_control", buf,
                 sizeof buf) <= 0)
        return false;
    const char *k = strstr(buf, "oom_kill ");
    return k && atol(k + 9) > 0;
}

/* Kills what is listed in dir/cgroup.procs; returns how many were listed. */
static int kill_listed(const char *dir)
{
    char buf[8192];
    if (read_str(dir, "cgroup.procs", buf, sizeof buf) <= 0)
        return 0;
    int n = 0;
    for (char *p = buf; *p;) {
        long pid = strtol(p, &p, 10);
        if (pid > 0) {
            kill((pid_t)pid, SIGKILL);
            n++;
        }
        while (*p == '\n')
            p++;
        if (*p && (*p < '0' || *p > '9'))
            break;
    }
    return n;
}

void sbx_cgroup_destroy(sbx_cgroup *cg)
{
    if (!cg->version)
        return;
    if (cg->version == 2)
        write_str(cg->mem, "cgroup.kill", "1");
    const char *dirs[3] = { cg->mem, cg->version == 1 ? cg->pids : NULL,
                            cg->version == 1 ? cg->cpu : NULL };
    for (int i = 0; i < 3; i++) {
        if (!dirs[i] || !dirs[i][0])
            continue;
        /* The processes die asynchronously; rmdir succeeds once they are gone. */
        for (int tries = 0; tries < 400; tries++) {
            if (rmdir(dirs[i]) == 0 || errno == ENOENT)
                break;
            kill_listed(dirs[i]);
            struct timespec ts = { 0, 2500000L };
            nanosleep(&ts, NULL);
        }
    }
    cg->version = 0;
}
