/* vclock.h - the engine's virtual clock (vclock.c), as its front ends and
 * the subject's stub see it.
 *
 * Off (the default) nothing changes: the front ends test vclock_active()
 * once per time call and go on with the real one. On, every clock read,
 * sleep and timed wait of the code under test runs in virtual time, which
 * moves only when every thread the engine knows is durably blocked, and then
 * jumps to the earliest pending deadline (Go's testing/synctest bubble).
 */
#ifndef VCLOCK_H
#define VCLOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

extern atomic_bool vclock_on; /* read through vclock_active() */

static inline bool vclock_active(void)
{
    return atomic_load_explicit(&vclock_on, memory_order_relaxed);
}

/* Turns virtual time on or off (the engine must be ready). Virtual time
 * starts at the real time of each clock; off, clocks are real again and a
 * pending virtual wait finishes in real time. Writes a "vclock" record. */
void vclock_enable(bool on);

/* Threads created but not yet known to the engine: while *n > 0 the clock
 * never moves (a front end's counter). */
void vclock_watch_starting(atomic_int *n);

/* The subject's stubs: a judge thread's stub started (after it is known to
 * the engine), and how many the judge has asked for so far. While fewer
 * have started, the clock never moves. */
void vclock_stub_started(void);
void vclock_expect_stubs(uint32_t n);

/* The calling stub's judge thread joins the judge thread of channel `chan`:
 * between two calls the stub counts as blocked, not idle, while that
 * channel's stub serves it (serving(chan), vclock_watch_joins), until its
 * own next call (eng_idle(false) unparks it). Once the joined thread's
 * stub is done, the join is about to return: the stub counts as running. */
void vclock_park(uint32_t chan);
void vclock_watch_joins(bool (*serving)(uint32_t chan));
/* Under E.mu, from eng_idle: thread slot t got a call. */
void vclock_unpark_locked(int t);

/* A front end whose own clock_gettime and clock_nanosleep are wrappers
 * (preload.c) gives the real ones. */
void vclock_set_real(int (*gettime)(clockid_t, struct timespec *),
                     int (*sleep_on)(clockid_t, int, const struct timespec *, struct timespec *));
/* A front end that cannot count the threads being created (preload.c):
 * the clock also waits while the process has more threads than the engine
 * knows plus `internal` of its own (the watchdog, the ticker). */
void vclock_count_tasks(int internal);

/* The clocks, virtual when on: clock_gettime's contract (CPU-time clocks
 * and unknown ids stay real). */
int vclock_gettime(clockid_t clock, struct timespec *ts);
/* Virtual CLOCK_MONOTONIC in nanoseconds (for the judge's harness_now_ms). */
uint64_t vclock_now_ns(void);

/* The student's sleeps, virtual when on (the calling thread sleeps until
 * the clock reaches its deadline). Same contracts as the real calls. */
int vclock_nanosleep(const struct timespec *req, struct timespec *rem, void *site);
int vclock_clock_nanosleep(clockid_t clock, int flags, const struct timespec *req,
                           struct timespec *rem, void *site);
void vclock_sleep_ns(uint64_t ns, void *site);

#endif
