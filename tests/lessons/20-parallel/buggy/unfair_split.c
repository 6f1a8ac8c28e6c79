/* BUG: the first process scans nearly the whole range and the others one
 * number each: the numbers are right, but the work is not shared.
 * expect: timing
 * says: the workers did unequal shares
 */
#include "parallel.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- par_sum ---- */

typedef struct part {
    const int *a;
    size_t lo, hi;
    long long sum; /* this thread's own slot */
} part;

static void *sum_part(void *p)
{
    part *pt = p;
    long long s = 0;
    for (size_t i = pt->lo; i < pt->hi; i++)
        s += pt->a[i];
    pt->sum = s;
    return NULL;
}

long long par_sum(const int a[], size_t n, size_t threads)
{
    if (threads == 0)
        threads = 1;
    part *parts = calloc(threads, sizeof *parts);
    pthread_t *ids = calloc(threads, sizeof *ids);
    bool *started = calloc(threads, sizeof *started);
    long long total = 0;
    if (!parts || !ids || !started) {
        free(parts);
        free(ids);
        free(started);
        return 0;
    }
    for (size_t k = 0; k < threads; k++) {
        parts[k] = (part){ a, k * n / threads, (k + 1) * n / threads, 0 };
        started[k] = pthread_create(&ids[k], NULL, sum_part, &parts[k]) == 0;
        if (!started[k])
            sum_part(&parts[k]); /* no thread: the caller does this part */
    }
    for (size_t k = 0; k < threads; k++) {
        if (started[k])
            pthread_join(ids[k], NULL);
        total += parts[k].sum;
    }
    free(parts);
    free(ids);
    free(started);
    return total;
}

/* ---- par_armstrong ---- */

static bool is_armstrong(long x)
{
    if (x < 0)
        return false;
    int digits = 1;
    for (long t = x; t >= 10; t /= 10)
        digits++;
    long sum = 0;
    for (long t = x; t > 0 && sum <= x; t /= 10) {
        long p = 1;
        for (int k = 0; k < digits; k++)
            p *= t % 10;
        sum += p;
    }
    return sum == x;
}

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t k = write(fd, p, len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        len -= (size_t)k;
    }
    return 0;
}

/* Reads one long; false at the end of the pipe (or an error). */
static bool read_long(int fd, long *v)
{
    size_t have = 0;
    while (have < sizeof *v) {
        ssize_t k = read(fd, (char *)v + have, sizeof *v - have);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        have += (size_t)k;
    }
    return true;
}

/* The worker: scans [lo, hi) and sends each number found. */
static void scan(int fd, long lo, long hi)
{
    for (long x = lo; x < hi; x++)
        if (is_armstrong(x) && write_all(fd, &x, sizeof x) != 0)
            _exit(1);
    _exit(0);
}

size_t par_armstrong(long lo, long hi, size_t procs, long out[], size_t cap)
{
    if (lo >= hi)
        return 0;
    if (procs == 0)
        procs = 1;
    pid_t *pids = calloc(procs, sizeof *pids);
    int *fds = calloc(procs, sizeof *fds);
    if (!pids || !fds) {
        free(pids);
        free(fds);
        return 0;
    }
    size_t started = 0;
    for (; started < procs; started++) {
        int p[2];
        if (pipe(p) != 0)
            break;
        pid_t pid = fork();
        if (pid < 0) {
            close(p[0]);
            close(p[1]);
            break;
        }
        if (pid == 0) {
            close(p[0]);
            for (size_t k = 0; k < started; k++)
                close(fds[k]);
            long from = started == 0 ? lo : hi - (long)(procs - started); /* BUG */
            long to = started == 0 ? hi - (long)(procs - 1) : from + 1;
            scan(p[1], from, to);
        }
        close(p[1]);
        pids[started] = pid;
        fds[started] = p[0];
    }
    size_t stored = 0;
    for (size_t k = 0; k < started; k++) {
        long v;
        while (read_long(fds[k], &v))
            if (started == procs && stored < cap)
                out[stored++] = v;
        close(fds[k]);
    }
    for (size_t k = 0; k < started; k++)
        while (waitpid(pids[k], NULL, 0) < 0 && errno == EINTR)
            ;
    free(pids);
    free(fds);
    return started == procs ? stored : 0;
}
