/* parallel.c - lesson 20, a correct alternative: C11 threads with a
 * strided split for par_sum; for par_armstrong, results in shared memory.
 *
 * par_sum: thread k adds a[k], a[k + T], a[k + 2T]... into its own slot
 * (thrd_create, thrd_join). The strides cover every element whatever n.
 *
 * par_armstrong: the processes deal the range out in turn too (process k
 * scans lo + k, lo + k + P, ...), each marking what it finds in its own
 * region of one shared mapping (count, then the numbers, ascending within
 * the process). After waiting for all, the parent merges the P ascending
 * lists into one, smallest first, and keeps the first cap.
 */
#include "parallel.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <threads.h>
#include <unistd.h>

typedef struct stride {
    const int *a;
    size_t first, n, step;
    long long sum;
} stride;

static int sum_stride(void *p)
{
    stride *s = p;
    long long t = 0;
    for (size_t i = s->first; i < s->n; i += s->step)
        t += s->a[i];
    s->sum = t;
    return 0;
}

long long par_sum(const int a[], size_t n, size_t threads)
{
    if (threads == 0)
        threads = 1;
    stride *s = calloc(threads, sizeof *s);
    thrd_t *t = calloc(threads, sizeof *t);
    bool *ok = calloc(threads, sizeof *ok);
    long long total = 0;
    if (s && t && ok) {
        for (size_t k = 0; k < threads; k++) {
            s[k] = (stride){ a, k, n, threads, 0 };
            ok[k] = thrd_create(&t[k], sum_stride, &s[k]) == thrd_success;
            if (!ok[k])
                sum_stride(&s[k]);
        }
        for (size_t k = 0; k < threads; k++) {
            if (ok[k])
                thrd_join(t[k], NULL);
            total += s[k].sum;
        }
    }
    free(s);
    free(t);
    free(ok);
    return total;
}

/* At most this many numbers per process: there are 32 below 10^9. */
#define PER_PROC 64

typedef struct found {
    size_t count;
    long num[PER_PROC];
} found;

static bool is_armstrong(long x)
{
    if (x < 0)
        return false;
    long digits[20];
    int d = 0;
    for (long t = x; d == 0 || t > 0; t /= 10)
        digits[d++] = t % 10;
    long sum = 0;
    for (int i = 0; i < d && sum <= x; i++) {
        long p = 1;
        for (int k = 0; k < d; k++)
            p *= digits[i];
        sum += p;
    }
    return sum == x;
}

size_t par_armstrong(long lo, long hi, size_t procs, long out[], size_t cap)
{
    if (lo >= hi)
        return 0;
    if (procs == 0)
        procs = 1;
    size_t size = procs * sizeof(found);
    found *f = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t *pids = calloc(procs, sizeof *pids);
    size_t started = 0;
    if (f == MAP_FAILED || !pids)
        goto done;
    for (; started < procs; started++) {
        pid_t pid = fork();
        if (pid < 0)
            break;
        if (pid == 0) {
            found *mine = &f[started];
            for (long x = lo + (long)started; x < hi; x += (long)procs) {
                if (is_armstrong(x) && mine->count < PER_PROC)
                    mine->num[mine->count++] = x;
                if (x > hi - (long)procs)
                    break; /* the next step would overflow past hi */
            }
            _exit(0);
        }
        pids[started] = pid;
    }
    for (size_t k = 0; k < started; k++)
        while (waitpid(pids[k], NULL, 0) < 0 && errno == EINTR)
            ;
done:;
    size_t stored = 0;
    if (f != MAP_FAILED && started == procs) {
        size_t *at = calloc(procs, sizeof *at);
        while (at && stored < cap) {
            size_t best = procs;
            for (size_t k = 0; k < procs; k++)
                if (at[k] < f[k].count && (best == procs || f[k].num[at[k]] < f[best].num[at[best]]))
                    best = k;
            if (best == procs)
                break;
            out[stored++] = f[best].num[at[best]++];
        }
        free(at);
    }
    if (f != MAP_FAILED)
        munmap(f, size);
    free(pids);
    return stored;
}
