/* atomics.c - scheduling points at the student's atomic operations.
 *
 * Spin locks and lock-free code built on C11 atomics make no pthread call,
 * so the engine's noise (noise.c) never lands inside their windows: the gap
 * between a load that sees a lock free and the store that takes it, say.
 * Under ThreadSanitizer every atomic operation of the student's object is a
 * call to __tsan_atomicN_OP. The build renames those calls, in the student's
 * TSan object only, to the wrappers below (atomics.syms, the way
 * intercept.syms renames pthread calls); each takes a noise point (noise.c's
 * budget applies) and then makes the real call. The plain flavour has no
 * such calls: this file is empty there.
 *
 * The real functions are reached through asm labels: GCC knows
 * __tsan_atomic* as built-ins of its own types, which a plain declaration
 * would have to match exactly. The wrappers keep the ABI of the calls GCC
 * and clang emit (sizes 1 to 16 bytes, the memory order as an int).
 */
#if defined(__SANITIZE_THREAD__)
#include "engine_int.h"

#include <stdint.h>

typedef unsigned __int128 uint128_t;

static void atomic_point(void)
{
    int t = eng_self_index();
    if (t < 0 && engine_ready()) {
        /* Lock-free code may make no pthread call at all: the thread is
         * met here (once; it takes the engine's lock). */
        eng_thread_start();
        t = eng_self_index();
    }
    if (t >= 0)
        noise_point(&E.threads[t]);
}

/* Declares the real operation OP on N-bit values as real_N_OP and defines
 * the wrapper grader_tsan_atomicN_OP. */
#define REAL(N, op, ret, params) \
    ret real_##N##_##op params __asm__("__tsan_atomic" #N "_" #op)

#define LOAD(N, T)                                                          \
    REAL(N, load, T, (const volatile void *a, int mo));                     \
    T grader_tsan_atomic##N##_load(const volatile void *a, int mo);         \
    T grader_tsan_atomic##N##_load(const volatile void *a, int mo)          \
    {                                                                       \
        atomic_point();                                                     \
        return real_##N##_load(a, mo);                                      \
    }
#define STORE(N, T)                                                         \
    REAL(N, store, void, (volatile void *a, T v, int mo));                  \
    void grader_tsan_atomic##N##_store(volatile void *a, T v, int mo);      \
    void grader_tsan_atomic##N##_store(volatile void *a, T v, int mo)       \
    {                                                                       \
        atomic_point();                                                     \
        real_##N##_store(a, v, mo);                                         \
    }
#define RMW(N, T, op)                                                       \
    REAL(N, op, T, (volatile void *a, T v, int mo));                        \
    T grader_tsan_atomic##N##_##op(volatile void *a, T v, int mo);          \
    T grader_tsan_atomic##N##_##op(volatile void *a, T v, int mo)           \
    {                                                                       \
        atomic_point();                                                     \
        return real_##N##_##op(a, v, mo);                                   \
    }
#define CAS(N, T, op)                                                                  \
    REAL(N, op, int, (volatile void *a, T *expected, T v, int mo, int fail_mo));       \
    int grader_tsan_atomic##N##_##op(volatile void *a, T *expected, T v, int mo,       \
                                     int fail_mo);                                     \
    int grader_tsan_atomic##N##_##op(volatile void *a, T *expected, T v, int mo,       \
                                     int fail_mo)                                      \
    {                                                                                  \
        atomic_point();                                                                \
        return real_##N##_##op(a, expected, v, mo, fail_mo);                           \
    }
#define CAS_VAL(N, T)                                                                  \
    REAL(N, compare_exchange_val, T, (volatile void *a, T expected, T v, int mo,       \
                                      int fail_mo));                                   \
    T grader_tsan_atomic##N##_compare_exchange_val(volatile void *a, T expected, T v,  \
                                                   int mo, int fail_mo);               \
    T grader_tsan_atomic##N##_compare_exchange_val(volatile void *a, T expected, T v,  \
                                                   int mo, int fail_mo)                \
    {                                                                                  \
        atomic_point();                                                                \
        return real_##N##_compare_exchange_val(a, expected, v, mo, fail_mo);           \
    }

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

ALL_OPS(8, uint8_t)
ALL_OPS(16, uint16_t)
ALL_OPS(32, uint32_t)
ALL_OPS(64, uint64_t)
ALL_OPS(128, uint128_t)

void real_thread_fence(int mo) __asm__("__tsan_atomic_thread_fence");
void grader_tsan_atomic_thread_fence(int mo);
void grader_tsan_atomic_thread_fence(int mo)
{
    atomic_point();
    real_thread_fence(mo);
}
#endif
