/* parallel.c - lesson 20, a correct alternative: an atomic total for
 * par_sum; one shared pipe and a sort for par_armstrong.
 *
 * par_sum: each thread sums its contiguous part locally, then adds it to
 * one _Atomic total with a single atomic add: shared, but no race.
 *
 * par_armstrong: every process writes what it finds to one pipe (8-byte
 * writes are atomic, far below PIPE_BUF); the parent reads to the end of
 * file (every process has ended and closed its end), then sorts what came
 * and keeps the smallest cap.
 */
#include "parallel.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct job {
    const int *a;
    size_t lo, hi;
    _Atomic long long *total;
} job;

static void *add_part(void *p)
{
    job *j = p;
    long long s = 0;
    for (size_t i = j->lo; i < j->hi; i++)
        s += j->a[i];
    atomic_fetch_add(j->total, s);
    return NULL;
}

long long par_sum(const int a[], size_t n, size_t threads)
{
    if (threads == 0)
        threads = 1;
    _Atomic long long total = 0;
    job *jobs = malloc(threads * sizeof *jobs);
    pthread_t *ids = malloc(threads * sizeof *ids);
    bool *ok = malloc(threads * sizeof *ok);
    if (jobs && ids && ok) {
        size_t base = n / threads, extra = n % threads, lo = 0;
        for (size_t k = 0; k < threads; k++) {
            size_t len = base + (k < extra ? 1 : 0); /* the remainder, one each */
            jobs[k] = (job){ a, lo, lo + len, &total };
            lo += len;
            ok[k] = pthread_create(&ids[k], NULL, add_part, &jobs[k]) == 0;
            if (!ok[k])
                add_part(&jobs[k]);
        }
        for (size_t k = 0; k < threads; k++)
            if (ok[k])
                pthread_join(ids[k], NULL);
    }
    free(jobs);
    free(ids);
    free(ok);
    return atomic_load(&total);
}

static long power(long d, int e)
{
    long p = 1;
    while (e-- > 0)
        p *= d;
    return p;
}

static bool is_armstrong(long x)
{
    if (x < 0)
        return false;
    int n = 0;
    long t = x;
    do {
        n++;
        t /= 10;
    } while (t > 0);
    long sum = 0;
    for (t = x; t > 0; t /= 10)
        sum += power(t % 10, n);
    return sum == x;
}

static int by_value(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

size_t par_armstrong(long lo, long hi, size_t procs, long out[], size_t cap)
{
    if (lo >= hi)
        return 0;
    if (procs == 0)
        procs = 1;
    int fd[2];
    if (pipe(fd) != 0)
        return 0;
    long span = hi - lo;
    size_t started = 0;
    for (; started < procs; started++) {
        pid_t pid = fork();
        if (pid < 0)
            break;
        if (pid == 0) {
            close(fd[0]);
            long from = lo + (long)((unsigned long)span * started / procs);
            long to = lo + (long)((unsigned long)span * (started + 1) / procs);
            for (long x = from; x < to; x++)
                if (is_armstrong(x) && write(fd[1], &x, sizeof x) != sizeof x)
                    _exit(1);
            _exit(0);
        }
    }
    close(fd[1]);
    size_t count = 0, room = 16;
    long *all = malloc(room * sizeof *all);
    long v;
    ssize_t k;
    while (all && ((k = read(fd[0], &v, sizeof v)) == sizeof v || (k < 0 && errno == EINTR))) {
        if (k < 0)
            continue;
        if (count == room) {
            long *more = realloc(all, 2 * room * sizeof *all);
            if (!more)
                break;
            all = more;
            room *= 2;
        }
        all[count++] = v;
    }
    close(fd[0]);
    for (size_t w = 0; w < started; w++)
        while (wait(NULL) < 0 && errno == EINTR)
            ;
    size_t stored = 0;
    if (all && started == procs) {
        qsort(all, count, sizeof *all, by_value);
        for (; stored < count && stored < cap; stored++)
            out[stored] = all[stored];
    }
    free(all);
    return stored;
}
