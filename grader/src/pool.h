/* pool.h - run independent pieces of work (one lesson's grading each) in
 * child processes, at most N at once, and collect their JSON in order.
 *
 * Lesson gradings share nothing but the course, so each runs in its own
 * forked child: a crash in one cannot lose the others, and two cores grade
 * two lessons at once. The caller sees the same results, and the same
 * progress text in the same order, as if the work had run one piece after
 * another: the progress of piece i is shown once pieces 0..i-1 are done
 * (live for the oldest running piece).
 */
#ifndef POOL_H
#define POOL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* Does piece `i` in a child; writes progress lines to `progress` (never
 * NULL). Returns the piece's JSON (the child sends it to the parent). */
typedef json_t *(*pool_fn)(size_t i, FILE *progress, void *ctx);

/* Runs fn for every i < n, `jobs` at once (>= 1), starting them in index
 * order. A piece with exclusive[i] set (exclusive may be NULL) runs alone:
 * it starts when nothing else runs, and nothing starts while it runs (a
 * timing test must not share the cores); the exclusive pieces start first,
 * so that no core idles while one waits for the others to finish. results[i] is the piece's JSON, or
 * NULL when its child died or sent nothing valid; then failures[i] says how
 * ("the grader's process for this WHAT was killed by ...", malloc'd), else
 * it is NULL. Progress goes to `progress` (NULL: dropped)
 * in index order. Children die with the caller (PDEATHSIG). */
void pool_run(size_t n, unsigned jobs, const bool *exclusive, pool_fn fn, void *ctx,
              const char *what, FILE *progress, json_t **results, char **failures);

/* Whether the pieces after piece i are still wanted, now that its result
 * is in (results come in index order; `result` may be NULL). */
typedef bool (*pool_stop_fn)(size_t i, const json_t *result, void *ctx);

/* pool_run (no exclusive pieces), where `stop` may end the work early: once
 * it says so for piece i, the pieces after i that run get SIGUSR1, whose
 * handler in the child is `on_cancel` (async-signal-safe: it makes the
 * piece end soon), those not started never start, and their results are
 * NULL with failures[j] "cancelled". */
void pool_run_until(size_t n, unsigned jobs, pool_fn fn, void *ctx, pool_stop_fn stop,
                    void (*on_cancel)(void), const char *what, json_t **results, char **failures);

/* The number of online cores (at least 1): the default for --jobs. */
unsigned pool_default_jobs(void);

#endif
