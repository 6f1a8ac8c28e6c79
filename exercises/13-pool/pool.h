/* pool.h - lesson 13: a thread pool with futures (Python's
 * concurrent.futures.ThreadPoolExecutor).
 *
 *     pool_t *p = pool_new(3);                    // at most 3 tasks at once
 *     future_t *f = pool_submit(p, handle, arg);  // handle(arg) on a worker
 *     future_on_done(f, parse, ctx);              // parse(f, ctx) once it is done
 *     void *r = future_result(f);                 // waits for handle's value
 *     pool_free(p);                               // waits for every task, joins
 *     future_free(f);
 *
 * The grader reads the lesson's API from this header: the functions declared
 * here are the only globals a student's file may define.
 */
#ifndef POOL_H
#define POOL_H

#include <stdbool.h>
#include <stddef.h>

typedef struct pool pool_t;
typedef struct future future_t;

/* A pool of at most `workers` threads. Tasks wait in a queue until a worker
 * is free: at most `workers` tasks run at once, and the pool creates at most
 * `workers` threads in all (up front here, or on demand in pool_submit),
 * which run one task after another (threads are reused, never one per task).
 * Returns NULL when workers is 0 or when the pool cannot be made (out of
 * memory, no thread: then no thread of it is left running). */
pool_t *pool_new(size_t workers);

/* Queues fn(arg) and returns at once with its future. fn runs on one of the
 * pool's workers, never on the caller's thread, exactly once. Returns NULL
 * (and fn never runs) after pool_shutdown, when fn is NULL, or out of
 * memory. May be called from any thread, tasks and callbacks included. */
future_t *pool_submit(pool_t *p, void *(*fn)(void *), void *arg);

/* Blocks until f is done, then returns the value fn returned. Several
 * threads may wait for one future; all of them wake when it is done. */
void *future_result(future_t *f);

/* True once fn has returned and its value is stored (at that moment the
 * future is "done", before its callbacks run). Never blocks. */
bool future_done(future_t *f);

/* Registers cb(f, ctx), which runs exactly once:
 *   - f not done yet: on the worker that completes f, after f is done;
 *   - f already done: at once, on the caller's thread, before
 *     future_on_done returns.
 * Several callbacks may be registered on one future; each runs once. A
 * callback runs with no lock of the pool or the future held: it may call
 * future_result(f) (which returns at once), future_done and pool_submit. */
void future_on_done(future_t *f, void (*cb)(future_t *f, void *ctx), void *ctx);

/* Frees f. Call it once f is done and, if callbacks were registered on f,
 * once they have run (after pool_shutdown(p, true) or pool_free(p) they all
 * have). A future may outlive its pool. */
void future_free(future_t *f);

/* results[i] = fn(args[i]) for i in 0..n-1, the calls run on the pool's
 * workers (at most `workers` at once), and waits until all have returned.
 * results[] is in the order of args[], whatever order the calls end in.
 * Returns 0; ECANCELED (and fn never runs) after pool_shutdown; EINVAL when
 * fn is NULL (or args or results, with n > 0); ENOMEM when out of memory
 * (after the calls already queued have returned). n == 0 returns 0 at once. */
int pool_map(pool_t *p, void *(*fn)(void *), void *const args[], void *results[], size_t n);

/* Stops the pool taking tasks: from now on pool_submit returns NULL and
 * pool_map ECANCELED. Every task submitted before still runs. wait true:
 * blocks until all of them have finished (their callbacks included); wait
 * false: returns at once. Never call it from a task or a callback. Calling
 * it again is harmless. */
void pool_shutdown(pool_t *p, bool wait);

/* Shuts the pool down and waits for every task as pool_shutdown(p, true)
 * does (also after pool_shutdown(p, false)), joins every worker and frees
 * the pool. Futures stay valid until future_free. */
void pool_free(pool_t *p);

#endif
