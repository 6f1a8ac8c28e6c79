/* waitpause.c - hold the lost wake-up window open.
 *
 * A waiter checks its predicate under the mutex and then waits; the real
 * wait releases the mutex and sleeps atomically. A setter that changes the
 * predicate and signals WITHOUT that mutex can signal between the check and
 * the wait: nobody waits yet, the signal is lost and the waiter sleeps for
 * ever. That window is a few instructions wide, so a test finds it only by
 * chance. Here every real condition wait first holds its thread, still
 * owning the mutex, asleep in the kernel (so /proc shows it asleep, as a
 * waiting thread would be: a test waiting for its waiters to sleep goes on)
 * until one of:
 *   - another thread blocks on that mutex: a correct setter, which needs the
 *     mutex to change the predicate, or a thread woken from a wait on it
 *     that takes it back inside pthread_cond_wait, where the engine cannot
 *     see it (glibc's lock word says "contended"); the pause ends and the
 *     other thread gets the mutex when the real wait releases it;
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
 * mutex comes after the wait has begun.
 *
 * The paused thread sleeps on a futex that a signal or broadcast and a
 * thread blocking on a mutex wake (only while someone pauses: one relaxed
 * load otherwise), with a timeout that grows from 50 us to 20 ms for what
 * no event announces (a contended lock word, threads blocking elsewhere).
 *
 * A pause costs a correct program a sleep and a wake-up when its setter
 * comes. A thread's first PAUSE_ALWAYS real waits are all paused (a bug in
 * a thread's first waits is caught in that run, by design); after that, one
 * wait in PAUSE_EVERY, drawn from the thread's seeded stream, so a loop of
 * thousands of waits (turn taking) stays fast and still meets the pause
 * many times.
 */
#include "engine_int.h"
#include "splitmix64.h"
#include "vclock.h"

#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PAUSE_MAX_NS (200LL * 1000000LL)     /* per pause */
#define PAUSE_BUDGET_NS (1500LL * 1000000LL) /* per process: bounded test time */
#define STEP_MIN_NS (50LL * 1000LL)
#define STEP_MAX_NS (20LL * 1000000LL)
#define PAUSE_ALWAYS 32
#define PAUSE_EVERY 8

/* Signals and broadcasts per condition number (0: not numbered). */
static atomic_uint signals[ENG_MAX_CONDS + 1];
static atomic_llong paused_ns;
static atomic_int pausing;  /* threads in a pause now */
static atomic_uint epoch;   /* the futex they sleep on: bumped by events */
static _Thread_local unsigned real_waits; /* this thread's, so far */

/* Whether thread t pauses before this wait (see the top of the file). */
static bool pause_this_wait(int t)
{
    if (real_waits < PAUSE_ALWAYS) {
        real_waits++;
        return true;
    }
    return splitmix64_next(&E.threads[t].rng) % PAUSE_EVERY == 0;
}

static long long clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Something that may end a pause happened (after its state changed). */
static void wake_pausers(void)
{
    if (atomic_load(&pausing) == 0)
        return;
    atomic_fetch_add(&epoch, 1);
    syscall(SYS_futex, &epoch, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

void waitpause_signalled(int cond)
{
    if (cond > 0 && cond <= ENG_MAX_CONDS)
        atomic_fetch_add(&signals[cond], 1);
    wake_pausers();
}

void waitpause_mutex_blocked(void)
{
    wake_pausers();
}

/* glibc's lock word: 2 (or FUTEX_WAITERS for a robust or PI mutex) when a
 * thread sleeps on it or did since it was last free. */
static bool lock_word_contended(const pthread_mutex_t *m)
{
#ifdef __GLIBC__
    unsigned v = (unsigned)__atomic_load_n(&m->__data.__lock, __ATOMIC_RELAXED);
    return v == 2 || (v & FUTEX_WAITERS);
#else
    (void)m;
    return false;
#endif
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

bool waitpause_before_wait(int t, int cond, const pthread_mutex_t *m, int lock,
                           const struct timespec *deadline, clockid_t clock)
{
    /* Under virtual time the pause would hold the clock still (a paused
     * thread is running) for up to PAUSE_MAX_NS of real time at every
     * wait, and its deadline is virtual: no pause there. */
    if (E.cfg.noise == NOISE_OFF || cond <= 0 || cond > ENG_MAX_CONDS || lock < 0 ||
        vclock_active() ||
        atomic_load_explicit(&paused_ns, memory_order_relaxed) >= PAUSE_BUDGET_NS)
        return false;
    eng_hide_begin();
    if (!pause_this_wait(t)) {
        eng_hide_end();
        return false;
    }
    atomic_fetch_add(&pausing, 1);
    unsigned seen = atomic_load(&signals[cond]);
    long long start = clock_ns(CLOCK_MONOTONIC), end = start + PAUSE_MAX_NS;
    long long until = deadline ? (long long)deadline->tv_sec * 1000000000LL + deadline->tv_nsec
                               : 0;
    long long step = STEP_MIN_NS;
    for (;;) {
        unsigned e0 = atomic_load(&epoch); /* before the checks: no event is missed */
        if (atomic_load(&signals[cond]) != seen || lock_word_contended(m) ||
            others_end_pause(t, lock))
            break;
        long long now = clock_ns(CLOCK_MONOTONIC), left = end - now;
        long long budget = PAUSE_BUDGET_NS -
                           atomic_load_explicit(&paused_ns, memory_order_relaxed) - (now - start);
        if (budget < left)
            left = budget;
        if (deadline && until - clock_ns(clock) < left)
            left = until - clock_ns(clock);
        if (left <= 0)
            break;
        long long nap = step < left ? step : left;
        struct timespec ts = { (time_t)(nap / 1000000000LL), (long)(nap % 1000000000LL) };
        syscall(SYS_futex, &epoch, FUTEX_WAIT_PRIVATE, e0, &ts, NULL, 0);
        step = step * 2 < STEP_MAX_NS ? step * 2 : STEP_MAX_NS;
    }
    atomic_fetch_sub(&pausing, 1);
    bool missed = atomic_load(&signals[cond]) != seen;
    eng_hide_end();
    atomic_fetch_add_explicit(&paused_ns, clock_ns(CLOCK_MONOTONIC) - start,
                              memory_order_relaxed);
    return missed;
}
