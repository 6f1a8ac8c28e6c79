/* parallel.h - lesson 20: CPU-bound work split across threads and
 * processes, like the tutorial's sum of 1..100000000 on several workers
 * and its Armstrong numbers found by several processes.
 *
 * The grader reads the lesson's API from this header: the functions
 * declared here are the only globals your file may define.
 */
#ifndef PARALLEL_H
#define PARALLEL_H

#include <stddef.h>

/* Returns a[0] + a[1] + ... + a[n-1], computed by `threads` threads: each
 * sums its own part of the array (the parts cover every element, also the
 * remainder when n is not a multiple of threads) and the caller adds the
 * parts up once the threads are joined. The threads are all started before
 * any is joined, so they run at the same time. The calling thread may be
 * one of the `threads` (it starts threads - 1 and sums a part itself) or
 * only wait. threads == 0 behaves as 1. The result is the same for every count
 * of threads. A thread must not add to a total another thread also
 * touches without synchronisation (give each thread its own slot). */
long long par_sum(const int a[], size_t n, size_t threads);

/* Finds the Armstrong numbers in the half-open range [lo, hi) with `procs`
 * worker processes, like the seed's range(lo, hi): lo is scanned, hi is
 * not. An Armstrong number equals the sum of its digits each raised to the
 * number of digits (153 = 1^3 + 5^3 + 3^3); 0 is one (0 = 0^1), negative
 * numbers never are. Each process scans its own part of the range (the
 * parts cover it all, remainder included); they are all forked before any
 * is waited for, so they run at the same time, and each does a fair share.
 *
 * Stores at most cap of them in out[], in ascending order (the smallest
 * cap ones when there are more), and returns how many it stored. procs == 0
 * behaves as 1. The results are the same for every count of processes.
 * Every worker process is reaped before it returns; a worker ends with
 * _exit. Returns 0 when lo >= hi. */
size_t par_armstrong(long lo, long hi, size_t procs, long out[], size_t cap); /* ascending */

#endif
