/* procpool.h - lesson 19: a pool of worker processes that maps a function
 * over an array, like Python's multiprocessing.Pool(5).map(fn, items) or
 * ProcessPoolExecutor's map.
 *
 * The grader reads the lesson's API from this header: the function declared
 * here is the only global your file may define.
 */
#ifndef PROCPOOL_H
#define PROCPOOL_H

#include <stddef.h>

/* Computes out[i] = fn(in[i]) for every i < n in worker processes.
 *
 * The workers are forked once and reused: at most `workers` processes are
 * forked, each once, and exactly `workers` when n >= workers (when
 * n < workers, forking only n is fine). Each worker runs fn on many
 * items, one after another; the workers run at the same time (CPU
 * parallelism): none waits for the others' items before taking its own.
 * fn runs only in the workers, never in the calling process. out[i] is
 * fn(in[i]), in the order of in[], whatever order the workers finish in.
 *
 * Returns 0; EINVAL when workers is 0 (or fn, in or out is NULL with
 * n > 0); 0 without forking when n is 0. If a worker dies (a signal, a
 * crash, or an exit before its work is done), procpool_map kills and reaps
 * every worker and returns ECHILD (out is then unspecified): it never
 * hangs. A failed fork, pipe or allocation returns its errno, after
 * killing and reaping the workers already started.
 *
 * When procpool_map returns, none of its workers is left: no zombie, none
 * running. A worker ends with _exit, never exit or return. */
int procpool_map(size_t workers, long (*fn)(long), const long in[], long out[], size_t n);

#endif
