/* noise.c - schedule noise at the sync points of the code under test.
 *
 * Every decision comes from a per-thread random stream seeded by the run's
 * seed and the thread's number, so a seed names one noise pattern (the OS
 * still schedules as it likes in between). At a sync point a thread may
 * yield or sleep a little; PCT-style, each thread is "slow" or "fast" and
 * flips at random change points, slow threads being delayed far more often,
 * which lets other threads overtake them inside racy windows. The time spent
 * in noise is capped per process, so a test's running time stays bounded on
 * a loaded machine.
 *
 * Condition waits: with spurious wake-ups on, a thread's waits alternate
 * between returning at once (a wake-up nobody signalled, which POSIX allows)
 * and really waiting. A wait guarded by `if` instead of `while` is thus
 * caught on its first wait, every run; a correct loop always reaches a real
 * wait on its next iteration.
 */
#include "engine_int.h"
#include "splitmix64.h"

#include <time.h>

#define NOISE_BUDGET_NS (150LL * 1000000LL)
#define STALL_MAX_MS 50.0
#define STALL_BUDGET_NS (2000LL * 1000000LL) /* per process: a loaded machine
                                              * cannot push a test past its limit */

static atomic_llong spent_ns, stalled_ns;

static uint64_t next_rand(eng_thread *t)
{
    return splitmix64_next(&t->rng);
}

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void noise_thread_init(eng_thread *t)
{
    t->rng = E.cfg.seed ^ ((uint64_t)t->id * 0xD1B54A32D192ED03ull);
    uint64_t r = next_rand(t);
    t->slow = r % 3 == 0;
    t->change_point = 1 + (r >> 8) % 256;
    t->spurious_next = true;
}

static void pause_us(unsigned us)
{
    struct timespec ts = { 0, (long)us * 1000L };
    E.R.nanosleep(&ts, NULL);
}

static void noise_point_hidden(eng_thread *t)
{
    t->syncs++;
    if (E.cfg.noise == NOISE_OFF ||
        atomic_load_explicit(&spent_ns, memory_order_relaxed) > NOISE_BUDGET_NS)
        return;
    if (t->syncs >= t->change_point) {
        t->slow = !t->slow;
        t->change_point = t->syncs + 1 + next_rand(t) % 512;
    }
    uint64_t r = next_rand(t);
    unsigned sleep_every = t->slow ? 8 : 64;
    long long start = now_ns();
    if (E.cfg.noise == NOISE_FULL && r % sleep_every == 0)
        pause_us(20 + (unsigned)((r >> 8) % 200));
    else if ((r >> 16) % (E.cfg.noise == NOISE_FULL ? 4 : 8) == 0)
        E.R.sched_yield();
    else
        return;
    atomic_fetch_add_explicit(&spent_ns, now_ns() - start, memory_order_relaxed);
}

void noise_point(eng_thread *t)
{
    eng_hide_begin();
    noise_point_hidden(t);
    eng_hide_end();
}

bool noise_spurious(eng_thread *t)
{
    if (!E.cfg.spurious_wakeups)
        return false;
    eng_hide_begin();
    bool s = t->spurious_next;
    t->spurious_next = !s;
    eng_hide_end();
    return s;
}

void noise_after_unlock(eng_thread *t)
{
    eng_hide_begin();
    bool interleave = t->interleave;
    eng_hide_end();
    if (interleave && atomic_load_explicit(&stalled_ns, memory_order_relaxed) < STALL_BUDGET_NS) {
        /* Hold the caller back until another critical section has run or
         * nobody else can move. */
        int self = (int)(t - E.threads);
        unsigned long s0 = atomic_load_explicit(&E.sections, memory_order_relaxed);
        long long start = now_ns(), end = start + (long long)(STALL_MAX_MS * 1e6);
        while (atomic_load_explicit(&E.sections, memory_order_relaxed) == s0 &&
               !eng_others_blocked(self) && now_ns() < end)
            pause_us(20);
        atomic_fetch_add_explicit(&stalled_ns, now_ns() - start, memory_order_relaxed);
    }
    noise_point(t);
}
