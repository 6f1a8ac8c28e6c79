/* sigsafe.h - what a crash handler may use: async-signal-safe helpers shared
 * by the subject's handler (subject.c) and grader stress's (preload_crash.c). */
#ifndef SIGSAFE_H
#define SIGSAFE_H

#include <stddef.h>
#include <stdint.h>
#include <ucontext.h>

/* Writes v in hex (no prefix, no NUL) to out; returns the digits written. */
static inline size_t put_hex(char *out, uintptr_t v)
{
    char tmp[2 * sizeof v];
    size_t n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

/* The exact faulting instruction, from the signal context (0 if unknown). */
static inline uintptr_t fault_pc(void *uctx)
{
#if defined(__x86_64__)
    return (uintptr_t)((ucontext_t *)uctx)->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return (uintptr_t)((ucontext_t *)uctx)->uc_mcontext.pc;
#else
    (void)uctx;
    return 0;
#endif
}

/* The stack pointer at the fault, from the signal context (0 if unknown). */
static inline uintptr_t fault_sp(void *uctx)
{
#if defined(__x86_64__)
    return (uintptr_t)((ucontext_t *)uctx)->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
    return (uintptr_t)((ucontext_t *)uctx)->uc_mcontext.sp;
#else
    (void)uctx;
    return 0;
#endif
}

#endif
