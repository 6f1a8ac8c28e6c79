/* intercept.h - the harness side of the pthread calls the student's code makes.
 *
 * The grader renames the student object's references (objcopy
 * --redefine-syms=intercept.syms), so `pthread_create` in the student's file
 * calls grader_pthread_create here, while the tests and the harness keep
 * calling the real functions. Only the student's calls are observed. The
 * sync calls go to the concurrency engine (engine.h).
 */
#ifndef INTERCEPT_H
#define INTERCEPT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

int grader_pthread_create(pthread_t *t, const pthread_attr_t *attr,
                          void *(*fn)(void *), void *arg);

/* Used by subject.c to answer the judge's harness_* thread queries. */
int intercept_live_threads(void);
int intercept_threads_created(void);
/* From the (n+1)-th creation on, pthread_create fails with err (n < 0:
 * never). after_asleep: the first failing call first waits until every
 * other thread of the student's code is blocked. */
void intercept_fail_create(int n, int err, bool after_asleep);
void intercept_reset(void);

/* Starts the engine for one test: noise from `seed` (none for timing tests),
 * spurious wake-ups, a hang report after `stall_ms` without progress;
 * no_recursive_mutex: the lesson forbids recursive mutexes
 * (REMOTE_NO_RECURSIVE_MUTEX in remote.h). */
void intercept_engine_start(uint64_t seed, const char *category, unsigned stall_ms,
                            bool no_recursive_mutex);
void intercept_interleave(bool on);
/* subject.c: the calling stub thread waits for (on) or runs (off) a call. */
void intercept_idle(bool on);

/* remote.h's watch on the student's free() calls (its comment says more). */
void remote_watch_free(void (*watch)(void *p));

/* subject.c: writes one record on the record channel ("KIND TEXT"). */
void harness_chan_record(const char *kind, const char *text);

#endif
