/* atomics.c - scheduling points at the program's atomic operations.
 *
 * Spin locks and lock-free code built on C11 atomics make no pthread call,
 * so the engine's noise (noise.c) never lands inside their windows: the gap
 * between a load that sees a lock free and the store that takes it, say.
 * Under ThreadSanitizer every atomic operation of instrumented code is a
 * call to __tsan_atomicN_OP, and this file wraps those calls. It is built
 * two ways:
 *   - grading (the TSan subject): the build renames the calls, in the
 *     student's TSan object only, to the grader_tsan_atomic* wrappers below
 *     (atomics.syms, the way intercept.syms renames pthread calls); the
 *     points are the engine's (noise.c's budget and PCT-style slow threads).
 *     The plain flavour has no such calls: the file is empty there.
 *   - GRADER_ATOMICS_PRELOAD (build/libgrader_atomics.so): `grader stress`
 *     preloads it into the ThreadSanitizer flavour of a program it built,
 *     which runs without the engine (cmd_stress.c says why). The wrappers
 *     then carry the __tsan_atomic* names themselves, reach TSan's through
 *     dlsym(RTLD_NEXT), and a small scheduler of their own below makes the
 *     points, seeded by GRADER_SEED.
 *
 * Stores, exchanges and compare-exchanges take a point before they act.
 * Loads are different. A spin loop loads the same value thousands of times:
 * a point at each would spend the process's noise budget before the window
 * that matters comes. So a load takes its point after the real load, and
 * only when it sees something new (another address, or another value than
 * this thread's previous load): the moment a thread has decided on what it
 * saw and is about to act on it (the gap between seeing a lock free and
 * taking it, or a balance and writing the new one).
 *
 * A random pause there rarely lets another thread into that gap: the other
 * thread must be running and reach the same address meanwhile. So, at some
 * of those points (more often in a slow thread), the thread holds still
 * until another thread has made an atomic operation on the address it
 * loaded (or nobody else can move, or 2 ms pass): a spin lock taken with a
 * load and a separate store then lets a second thread in, and the race on
 * what it guards is there for ThreadSanitizer to see. One thread holds at a
 * time, and the holds are capped per process.
 *
 * The wrappers keep the ABI of the calls GCC and clang emit (sizes 1 to 16
 * bytes, the memory order as an int). Names go through asm labels: GCC
 * knows __tsan_atomic* as built-ins of its own types, which a plain
 * declaration would have to match exactly.
 */
#if defined(__SANITIZE_THREAD__) || defined(GRADER_ATOMICS_PRELOAD)
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "splitmix64.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

typedef unsigned __int128 uint128_t;

#define HOLD_MAX_NS (2 * 1000000LL)        /* one hold */
#define HOLD_BUDGET_NS (300LL * 1000000LL) /* all holds of a process */

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- the scheduler: the engine's, or a small one of our own --------------------
 * sched_self()     this thread takes part (false: no points at all);
 * sched_point()    a noise point;
 * sched_hold_odds() 1 in N of a load's new values is held (0: none);
 * sched_others_blocked() no other thread can move;
 * sched_pause()    a short real sleep, unseen by TSan. */
#ifdef GRADER_ATOMICS_PRELOAD
#include <dlfcn.h>
#include <sched.h>
#include <stdlib.h>

#define PRELOAD_NOISE_BUDGET_NS (150LL * 1000000LL)

static uint64_t base_seed;
static atomic_uint nthreads;
static atomic_llong noise_spent_ns;
static _Thread_local struct {
    bool seeded, slow;
    uint64_t rng;
    unsigned long points, change_at;
} me;

static bool sched_self(void)
{
    if (!me.seeded) {
        me.rng = base_seed ^ ((uint64_t)(atomic_fetch_add(&nthreads, 1) + 1) *
                              0xD1B54A32D192ED03ull);
        uint64_t r = splitmix64_next(&me.rng);
        me.slow = r % 3 == 0;
        me.change_at = 1 + (r >> 8) % 256;
        me.seeded = true;
    }
    return true;
}

static void sched_pause(long ns)
{
    struct timespec ts = { 0, ns };
    nanosleep(&ts, NULL);
}

/* As noise.c's: slow threads are delayed more, and flip at change points. */
static void sched_point(void)
{
    if (++me.points >= me.change_at) {
        me.slow = !me.slow;
        me.change_at = me.points + 1 + splitmix64_next(&me.rng) % 512;
    }
    if (atomic_load_explicit(&noise_spent_ns, memory_order_relaxed) > PRELOAD_NOISE_BUDGET_NS)
        return;
    uint64_t r = splitmix64_next(&me.rng);
    long long start = now_ns();
    if (r % (me.slow ? 8 : 64) == 0)
        sched_pause(20000L + (long)((r >> 8) % 200) * 1000L);
    else if ((r >> 16) % 4 == 0)
        sched_yield();
    else
        return;
    atomic_fetch_add_explicit(&noise_spent_ns, now_ns() - start, memory_order_relaxed);
}

static unsigned sched_hold_odds(void) { return me.slow ? 2 : 8; }
static uint64_t sched_rand(void) { return splitmix64_next(&me.rng); }
static bool sched_others_blocked(void) { return false; } /* unknown here: 2 ms at most */
static void sched_hide_begin(void) {}
static void sched_hide_end(void) {}

/* The wrapper is the exported __tsan_atomic* itself; TSan's is the next one. */
#define WRAPPER_NAME(N, op) \
    __asm__("__tsan_atomic" #N "_" #op) __attribute__((visibility("default")))
#define REAL(N, op, ret, params) static ret(*real_##N##_##op) params
#define RESOLVE(N, op) \
    (real_##N##_##op = (__typeof__(real_##N##_##op))dlsym(RTLD_NEXT, "__tsan_atomic" #N "_" #op))

static void resolve_all(void);

__attribute__((constructor)) static void atomics_preload_init(void)
{
    const char *seed = getenv("GRADER_SEED");
    base_seed = seed ? strtoull(seed, NULL, 10) : 1;
    resolve_all();
}
#else
#include "engine_int.h"

static eng_thread *engine_self(void)
{
    int t = eng_self_index();
    if (t < 0 && engine_ready()) {
        /* Lock-free code may make no pthread call at all: the thread is
         * met here (once; it takes the engine's lock). */
        eng_thread_start();
        t = eng_self_index();
    }
    return t >= 0 ? &E.threads[t] : NULL;
}

static bool sched_self(void) { return engine_self() != NULL; }
static void sched_point(void) { noise_point(engine_self()); }

static unsigned sched_hold_odds(void)
{
    if (E.cfg.noise == NOISE_OFF)
        return 0;
    return engine_self()->slow ? 2 : 8;
}

static uint64_t sched_rand(void) { return splitmix64_next(&engine_self()->rng); }
static bool sched_others_blocked(void) { return eng_others_blocked(eng_self_index()); }

static void sched_pause(long ns)
{
    struct timespec ts = { 0, ns };
    E.R.nanosleep(&ts, NULL);
}

static void sched_hide_begin(void) { eng_hide_begin(); }
static void sched_hide_end(void) { eng_hide_end(); }

/* The wrapper is grader_tsan_atomic*, as atomics.syms renames the calls. */
#define WRAPPER_NAME(N, op)
#define REAL(N, op, ret, params) ret real_##N##_##op params __asm__("__tsan_atomic" #N "_" #op)
#define RESOLVE(N, op) ((void)0)
#endif

/* ---- holds after a load ------------------------------------------------------- */

/* This thread's previous atomic load: what "something new" is measured by. */
static _Thread_local const volatile void *last_load_addr;
static _Thread_local uint64_t last_load_value;

static atomic_uintptr_t held_addr; /* the address the holding thread loaded; 0: none */
static atomic_ulong held_touches;  /* atomic operations on it by anyone since */
static atomic_llong hold_spent_ns;

/* Every wrapper, before its operation: counts it when a thread holds on a. */
static inline void touch(const volatile void *a)
{
    if ((uintptr_t)a == atomic_load_explicit(&held_addr, memory_order_relaxed))
        atomic_fetch_add_explicit(&held_touches, 1, memory_order_relaxed);
}

/* Holds still after loading a, until another thread touches a. */
static void hold_after_load(const volatile void *a)
{
    uintptr_t none = 0;
    if (!atomic_compare_exchange_strong(&held_addr, &none, (uintptr_t)a))
        return; /* another thread holds: this one goes on */
    unsigned long seen = atomic_load(&held_touches);
    long long start = now_ns(), end = start + HOLD_MAX_NS;
    while (atomic_load(&held_touches) == seen && !sched_others_blocked() && now_ns() < end)
        sched_pause(20 * 1000L);
    atomic_store(&held_addr, 0);
    atomic_fetch_add_explicit(&hold_spent_ns, now_ns() - start, memory_order_relaxed);
}

static void op_point(void)
{
    if (sched_self())
        sched_point();
}

static void load_point(const volatile void *a, uint64_t value)
{
    if (a == last_load_addr && value == last_load_value)
        return; /* the same value again: a spin loop's next round */
    last_load_addr = a;
    last_load_value = value;
    if (!sched_self())
        return;
    sched_point();
    sched_hide_begin();
    unsigned odds = sched_hold_odds();
    if (odds && atomic_load_explicit(&hold_spent_ns, memory_order_relaxed) < HOLD_BUDGET_NS &&
        sched_rand() % odds == 0)
        hold_after_load(a);
    sched_hide_end();
}

/* ---- the wrappers ------------------------------------------------------------- */

/* Each declares TSan's operation OP on N-bit values as real_N_OP and
 * defines the wrapper grader_tsan_atomicN_OP. */
#define LOAD(N, T)                                                            \
    REAL(N, load, T, (const volatile void *a, int mo));                       \
    T grader_tsan_atomic##N##_load(const volatile void *a, int mo)            \
        WRAPPER_NAME(N, load);                                                \
    T grader_tsan_atomic##N##_load(const volatile void *a, int mo)            \
    {                                                                         \
        touch(a);                                                             \
        T v = real_##N##_load(a, mo);                                         \
        load_point(a, (uint64_t)v);                                           \
        return v;                                                             \
    }
#define STORE(N, T)                                                           \
    REAL(N, store, void, (volatile void *a, T v, int mo));                    \
    void grader_tsan_atomic##N##_store(volatile void *a, T v, int mo)         \
        WRAPPER_NAME(N, store);                                               \
    void grader_tsan_atomic##N##_store(volatile void *a, T v, int mo)         \
    {                                                                         \
        touch(a);                                                             \
        op_point();                                                           \
        real_##N##_store(a, v, mo);                                           \
    }
#define RMW(N, T, op)                                                         \
    REAL(N, op, T, (volatile void *a, T v, int mo));                          \
    T grader_tsan_atomic##N##_##op(volatile void *a, T v, int mo)             \
        WRAPPER_NAME(N, op);                                                  \
    T grader_tsan_atomic##N##_##op(volatile void *a, T v, int mo)             \
    {                                                                         \
        touch(a);                                                             \
        op_point();                                                           \
        return real_##N##_##op(a, v, mo);                                     \
    }
#define CAS(N, T, op)                                                                  \
    REAL(N, op, int, (volatile void *a, T *expected, T v, int mo, int fail_mo));       \
    int grader_tsan_atomic##N##_##op(volatile void *a, T *expected, T v, int mo,       \
                                     int fail_mo) WRAPPER_NAME(N, op);                 \
    int grader_tsan_atomic##N##_##op(volatile void *a, T *expected, T v, int mo,       \
                                     int fail_mo)                                      \
    {                                                                                  \
        touch(a);                                                                      \
        op_point();                                                                    \
        return real_##N##_##op(a, expected, v, mo, fail_mo);                           \
    }
#define CAS_VAL(N, T)                                                                  \
    REAL(N, compare_exchange_val, T, (volatile void *a, T expected, T v, int mo,       \
                                      int fail_mo));                                   \
    T grader_tsan_atomic##N##_compare_exchange_val(volatile void *a, T expected, T v,  \
                                                   int mo, int fail_mo)                \
        WRAPPER_NAME(N, compare_exchange_val);                                         \
    T grader_tsan_atomic##N##_compare_exchange_val(volatile void *a, T expected, T v,  \
                                                   int mo, int fail_mo)                \
    {                                                                                  \
        touch(a);                                                                      \
        op_point();                                                                    \
        return real_##N##_compare_exchange_val(a, expected, v, mo, fail_mo);           \
    }

/* X(N, T) for every size. */
#define EVERY_SIZE(X) X(8, uint8_t) X(16, uint16_t) X(32, uint32_t) X(64, uint64_t) X(128, uint128_t)

#define ALL_OPS(N, T)                                                          \
    LOAD(N, T)                                                                 \
    STORE(N, T)                                                                \
    RMW(N, T, exchange)                                                        \
    RMW(N, T, fetch_add)                                                       \
    RMW(N, T, fetch_sub)                                                       \
    RMW(N, T, fetch_and)                                                       \
    RMW(N, T, fetch_or)                                                        \
    RMW(N, T, fetch_xor)                                                       \
    RMW(N, T, fetch_nand)                                                      \
    CAS(N, T, compare_exchange_strong)                                         \
    CAS(N, T, compare_exchange_weak)                                           \
    CAS_VAL(N, T)
EVERY_SIZE(ALL_OPS)

/* thread_fence has no size: N is empty, the name __tsan_atomic_thread_fence. */
#ifdef GRADER_ATOMICS_PRELOAD
static void (*real_thread_fence)(int mo);
void grader_tsan_atomic_thread_fence(int mo)
    __asm__("__tsan_atomic_thread_fence") __attribute__((visibility("default")));
#else
void real_thread_fence(int mo) __asm__("__tsan_atomic_thread_fence");
void grader_tsan_atomic_thread_fence(int mo);
#endif
void grader_tsan_atomic_thread_fence(int mo)
{
    op_point();
    real_thread_fence(mo);
}

#ifdef GRADER_ATOMICS_PRELOAD
#define RESOLVE_ALL(N, T)                                                       \
    RESOLVE(N, load); RESOLVE(N, store); RESOLVE(N, exchange);                  \
    RESOLVE(N, fetch_add); RESOLVE(N, fetch_sub); RESOLVE(N, fetch_and);        \
    RESOLVE(N, fetch_or); RESOLVE(N, fetch_xor); RESOLVE(N, fetch_nand);        \
    RESOLVE(N, compare_exchange_strong); RESOLVE(N, compare_exchange_weak);     \
    RESOLVE(N, compare_exchange_val);

static void resolve_all(void)
{
    EVERY_SIZE(RESOLVE_ALL)
    real_thread_fence = (__typeof__(real_thread_fence))dlsym(RTLD_NEXT,
                                                              "__tsan_atomic_thread_fence");
}
#endif
#endif
