/* waitpause.c - hold the lost wake-up window open.
 *
 * A waiter checks its predicate under the mutex and then waits; the real
 * wait releases the mutex and sleeps atomically. A setter that changes the
 * predicate and signals WITHOUT that mutex can signal between the check and
 * the wait: nobody waits yet, the signal is lost and the waiter sleeps for
 * ever. That window is a few instructions wide, so a test finds it only by
 * chance. Here every real condition wait first holds its thread, still
 * owning the mutex, in short real sleeps (so /proc shows it asleep, as a
 * waiting thread would be) until one of:
 *   - another thread blocks on that mutex: a correct setter, which needs the
 *     mutex to change the predicate; the pause ends at once and the setter
 *     gets the mutex when the real wait releases it;
 *   - a signal or broadcast on that condition variable has happened: a
 *     setter without the mutex. Its wake-up found nobody waiting and is
 *     lost, by design; the thread goes into its wait and shows the bug;
 *   - every other thread is durably blocked (in an untimed wait for a lock,
 *     a condition, a join or a barrier): nobody can set anything. An idle
 *     thread of the subject's stub does not end the pause (the judge may be
 *     about to call the setter through it), nor does a sleeping one;
 *   - the deadline of a timed wait (the total time of the call is then what
 *     it would have been), a bound per pause, or a budget per process.
 * Correct code never needs a wake-up sent during the pause: the waiter has
 * held the mutex since its check, so any predicate change made under the
 * mutex comes after the wait has begun. It pays only the end of one short
 * sleep per wait that had to wait anyway.
 */
#include "engine_int.h"

#include <time.h>

#define PAUSE_STEP_US 20
#define PAUSE_MAX_NS (200LL * 1000000LL)     /* per pause */
#define PAUSE_BUDGET_NS (1500LL * 1000000LL) /* per process: bounded test time */

/* Signals and broadcasts per condition number (0: not numbered). */
static atomic_uint signals[ENG_MAX_CONDS + 1];
static atomic_llong paused_ns;

static long long clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void waitpause_signalled(int cond)
{
    if (cond > 0 && cond <= ENG_MAX_CONDS)
        atomic_fetch_add_explicit(&signals[cond], 1, memory_order_release);
}

/* A wait nothing but another thread's progress in code under test ends. */
static bool durably_blocked(const eng_thread *o)
{
    switch (o->wait) {
    case W_MUTEX: case W_COND: case W_JOIN: case W_RWLOCK: case W_SPIN: case W_BARRIER:
        return !o->wait_timed;
    default:
        return false; /* running, sleeping, or idle in the stub */
    }
}

/* Takes E.mu: true when the pause of thread t (holding mutex `lock`) is
 * over because of the other threads. */
static bool others_end_pause(int t, int lock)
{
    bool end = true;
    eng_enter();
    for (int i = 0; i < E.nthreads; i++) {
        const eng_thread *o = &E.threads[i];
        if (i == t || !o->alive)
            continue;
        if (o->wait == W_MUTEX && o->wait_lock == lock) {
            end = true; /* a setter wants the mutex */
            break;
        }
        if (!durably_blocked(o))
            end = false;
    }
    eng_leave();
    return end;
}

bool waitpause_before_wait(int t, int cond, int lock, const struct timespec *deadline,
                           clockid_t clock)
{
    if (E.cfg.noise == NOISE_OFF || cond <= 0 || cond > ENG_MAX_CONDS || lock < 0 ||
        atomic_load_explicit(&paused_ns, memory_order_relaxed) >= PAUSE_BUDGET_NS)
        return false;
    unsigned seen = atomic_load_explicit(&signals[cond], memory_order_acquire);
    long long start = clock_ns(CLOCK_MONOTONIC), end = start + PAUSE_MAX_NS;
    long long until = deadline ? (long long)deadline->tv_sec * 1000000000LL + deadline->tv_nsec
                               : 0;
    eng_hide_begin();
    while (!others_end_pause(t, lock) &&
           atomic_load_explicit(&signals[cond], memory_order_acquire) == seen) {
        long long now = clock_ns(CLOCK_MONOTONIC);
        if (now >= end || (deadline && clock_ns(clock) >= until) ||
            atomic_load_explicit(&paused_ns, memory_order_relaxed) + (now - start) >=
                PAUSE_BUDGET_NS)
            break;
        struct timespec step = { 0, PAUSE_STEP_US * 1000L };
        E.R.nanosleep(&step, NULL);
    }
    eng_hide_end();
    atomic_fetch_add_explicit(&paused_ns, clock_ns(CLOCK_MONOTONIC) - start,
                              memory_order_relaxed);
    return atomic_load_explicit(&signals[cond], memory_order_acquire) != seen;
}
