/* rundelay.c - time a run spent waiting for a CPU it was ready to use.
 *
 * A wall-clock limit is evidence of a hang only if the run had the machine.
 * On a loaded machine (a class graded on two cores, a CI runner) a correct
 * test can be held off the CPU for seconds and still be making progress.
 * The kernel counts, per thread, the time it was runnable but not running
 * (/proc/PID/task/TID/schedstat, second field, in ns). sandbox.c gives a
 * run that much more wall time (up to a bound): a deadlocked or sleeping
 * run is not runnable, gets no credit and times out as before; a starved
 * one gets back what the machine took from it. The most any one live
 * thread waited is the credit (threads wait side by side, not in turn),
 * but never more than the wall time the run spent without a CPU at all
 * (elapsed minus its CPU time): a run whose own threads outnumber the cores
 * waits for itself, not for the machine, and gets nothing.
 */
#include "internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The longest run delay (ns) among the threads of one process. */
static unsigned long long process_run_delay_ns(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/task", (long)pid);
    DIR *d = opendir(path);
    if (!d)
        return 0;
    unsigned long long most = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9')
            continue;
        char file[320], buf[128];
        snprintf(file, sizeof file, "/proc/%ld/task/%s/schedstat", (long)pid, de->d_name);
        int fd = open(file, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n <= 0)
            continue;
        buf[n] = '\0';
        unsigned long long on_cpu, waiting;
        if (sscanf(buf, "%llu %llu", &on_cpu, &waiting) == 2 && waiting > most)
            most = waiting;
    }
    closedir(d);
    return most;
}

/* CPU time (ms) a process has used, all its threads (utime + stime). */
static double process_cpu_ms(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    /* Fields 14 and 15, counted after the command's closing ')'. */
    const char *p = strrchr(buf, ')');
    unsigned long long utime, stime;
    if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
                     &stime) != 2)
        return 0;
    return (double)(utime + stime) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

double sbx_tree_run_delay_ms(pid_t root, double elapsed_ms)
{
    size_t n;
    pid_t *pids = sbx_tree_pids(root, &n);
    unsigned long long most = 0;
    double cpu = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned long long w = process_run_delay_ns(pids[i]);
        if (w > most)
            most = w;
        cpu += process_cpu_ms(pids[i]);
    }
    free(pids);
    double waited = (double)most / 1e6, off_cpu = elapsed_ms - cpu;
    if (off_cpu < 0)
        off_cpu = 0;
    return waited < off_cpu ? waited : off_cpu;
}
