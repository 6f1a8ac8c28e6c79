/* test_remote.c - carries lesson 20's API from the tests to your parallel.c.
 *
 * The tests run in a process of their own (the judge); your code runs in
 * another (the subject). par_sum's array is made in your process from the
 * test's seed (test_support.h's array_value); par_armstrong's out[] is
 * brought back whole, with 8 watched slots past cap. Around each call the
 * grader's books (remote.h) count what your code did: for par_sum, the
 * most of its threads started and not yet joined at once; for
 * par_armstrong, the processes it forked, the most alive at once, those
 * it never reaped, and each reaped worker's CPU time (from the kernel).
 * Nothing reads a clock to grade you. You never need to read or change
 * this file.
 */
#include "remote.h"
#include "parallel.h"
#include "test_support.h"

#include <stdlib.h>
#include <string.h>

enum { F_SUM, F_ARMSTRONG };
REMOTE_NAMES("par_sum", "par_armstrong");

#ifdef REMOTE_JUDGE
long long sum_run(int kind, uint64_t seed, size_t n, size_t threads, sum_report *r)
{
    size_t len = 0;
    if (n > MAX_SUM_N)
        ck_abort_msg("the tests sum at most %d numbers", MAX_SUM_N);
    uint64_t args[4] = { (uint64_t)kind, seed, n, threads };
    remote_call_bytes(F_SUM, 4, args, NULL, 0, r, sizeof *r, &len);
    if (len != sizeof *r)
        ck_abort_msg("par_sum's answer did not come back whole");
    return r->result;
}

size_t arm_run(long lo, long hi, size_t procs, long out[], size_t cap, arm_report *r)
{
    static _Thread_local unsigned char trip[sizeof(arm_report) + (MAX_CAP + 8) * sizeof(int64_t)];
    size_t len = 0;
    if (cap > MAX_CAP)
        ck_abort_msg("the tests ask for at most %d numbers", MAX_CAP);
    uint64_t args[4] = { (uint64_t)lo, (uint64_t)hi, procs, cap };
    remote_call_bytes(F_ARMSTRONG, 4, args, NULL, 0, trip, sizeof trip, &len);
    if (len != sizeof *r + (cap + 8) * sizeof(int64_t))
        ck_abort_msg("par_armstrong's answer did not come back whole");
    memcpy(r, trip, sizeof *r);
    for (size_t k = 0; k < cap + 8; k++) {
        int64_t v;
        memcpy(&v, trip + sizeof *r + k * sizeof v, sizeof v);
        out[k] = (long)v;
    }
    return (size_t)r->count;
}
#endif

#ifdef REMOTE_SUBJECT
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* arg: kind, seed, n, threads. */
static uint64_t do_sum(remote_args *a)
{
    int kind = (int)a->arg[0];
    uint64_t seed = a->arg[1];
    size_t n = (size_t)a->arg[2], threads = (size_t)a->arg[3];
    sum_report r;
    memset(&r, 0, sizeof r);
    int *arr = n <= MAX_SUM_N ? malloc((n ? n : 1) * sizeof *arr) : NULL;
    if (!arr) {
        r.spare = 1;
    } else {
        for (size_t i = 0; i < n; i++)
            arr[i] = array_value(kind, seed, i);
        remote_threads_unjoined_max(true);
        remote_threads_cpu_read(true);
        r.result = par_sum(arr, n, threads);
        r.unjoined_max = (uint32_t)remote_threads_unjoined_max(true);
        remote_threads_cpu c = remote_threads_cpu_read(true);
        r.ended = c.ended;
        r.cpu_us_min = c.cpu_us_min;
        r.cpu_us_total = c.cpu_us_total;
    }
    free(arr);
    if (a->out_cap >= sizeof r) {
        memcpy(a->out, &r, sizeof r);
        a->out_len = sizeof r;
    }
    return 0;
}

/* The CPU time of a process that does nothing (a fork and an exit from
 * this process, whose size a worker's fork copies): the most of two, so
 * that a worker's own share is what it uses beyond that. */
static uint64_t empty_process_cpu_us(void)
{
    uint64_t most = 0;
    for (int k = 0; k < 2; k++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(0);
        struct rusage ru;
        int st;
        if (pid < 0 || wait4(pid, &st, 0, &ru) != pid)
            continue;
        uint64_t us = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
                      (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
        if (us > most)
            most = us;
    }
    return most;
}

/* arg: lo, hi, procs, cap. */
static uint64_t do_armstrong(remote_args *a)
{
    long lo = (long)a->arg[0], hi = (long)a->arg[1];
    size_t procs = (size_t)a->arg[2], cap = (size_t)a->arg[3];
    arm_report r;
    memset(&r, 0, sizeof r);
    size_t out_len = sizeof r + (cap + 8) * sizeof(int64_t);
    /* Room for every Armstrong number past cap: writes there show in the
     * 8 watched slots instead of corrupting the heap. */
    long *out = cap <= MAX_CAP ? malloc((cap + 8 + ARMSTRONG_COUNT) * sizeof *out) : NULL;
    if (!out || a->out_cap < out_len) {
        free(out);
        return 0; /* the judge finds the answer short */
    }
    for (size_t k = 0; k < cap + 8 + ARMSTRONG_COUNT; k++)
        out[k] = OUT_UNSET;
    r.cpu_us_empty = empty_process_cpu_us();
    remote_procs_reset();
    pid_t me = getpid();
    r.count = par_armstrong(lo, hi, procs, out, cap);
    if (getpid() != me)
        _exit(0); /* a worker came back out of par_armstrong: the parent sees it forked-and-gone */
    remote_procs b = remote_procs_read();
    r.forks = b.forks;
    r.alive_max = b.alive_max;
    r.alive_after = b.alive;
    r.reaped = b.reaped;
    r.cpu_us_min = b.cpu_us_min;
    r.cpu_us_total = b.cpu_us_total;
    memcpy(a->out, &r, sizeof r);
    for (size_t k = 0; k < cap + 8; k++) {
        int64_t v = out[k];
        memcpy(a->out + sizeof r + k * sizeof v, &v, sizeof v);
    }
    a->out_len = out_len;
    free(out);
    return 0;
}

REMOTE_FUNCTIONS(do_sum, do_armstrong);
/* No function may leave a thread running, detached, or a mutex held. */
REMOTE_LEAVES();
#endif
