/* intercept_ucontext.c - the student's makecontext, swapcontext and
 * setcontext: a task whose stack overflows is reported as such.
 *
 * Coroutines (lesson 22) run each task on a stack the student's code
 * allocated. Too small a stack is overrun silently: the task writes below
 * it, over whatever the allocator put there, and the run fails later, far
 * from the cause, or not at all. intercept.syms renames the student's calls
 * to the wrappers below:
 *   - grader_makecontext records the stack (uc_stack.ss_sp, ss_size, and
 *     the caller's return address: the student's line), writes a canary in
 *     its lowest CANARY bytes, and starts the task through a shim that
 *     checks the canary again when the task's function returns;
 *   - grader_swapcontext and grader_setcontext check the canary of the
 *     stack they switch away from (found by the current stack pointer), so
 *     a task that overran its stack is caught at its next suspension;
 *   - ucontext_crash_check, called by the front end's crash handler: a
 *     fault just below a recorded stack (within GUARD_REACH), or a crash on
 *     a task stack whose canary is broken, is a stack overflow too.
 * A stack the student frees (free, munmap) is forgotten at once.
 * A broken canary writes one "overflow" record per stack: "task stack
 * overflow: the N-byte stack made at @HEX was overrun ..." (@HEX becomes
 * the student's file:line). Only the stack the thread runs on is ever read:
 * a stack the student freed is never touched. Each thread that makes a
 * context gets an alternate signal stack, so that the crash handler can run
 * when a task's stack pointer is in a guard page.
 *
 * getcontext is not wrapped: the context it saves would be the wrapper's,
 * whose frame is gone when the wrapper returns. Nothing else in the engine
 * keys per-thread state on the stack pointer (thread-local storage follows
 * the thread, not its stack), so a task switch is never taken for a thread.
 * No engine state: built and tested on its own (tests/engine/ucontext/).
 */
#include "intercept_ucontext.h"

#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#define STACKS_MAX 8192
#define CANARY 256                   /* bytes at the bottom of each stack */
#define GUARD_REACH (64u << 10)      /* a fault this far below a stack is its overflow */
#define ARGS_MAX 8                   /* makecontext's int arguments we carry */
#define ALTSTACK_BYTES (64u << 10)

typedef struct task_stack {
    uintptr_t lo, hi;        /* [ss_sp, ss_sp + ss_size) */
    const void *site;        /* the makecontext call's return address */
    void (*fn)(void);
    int argc, argv[ARGS_MAX];
    bool reported;
} task_stack;

static task_stack stacks[STACKS_MAX];
static atomic_int nstacks;   /* slots in use, never shrinks (slots are reused) */
/* Guards stacks[] for writers. A spin lock on an atomic flag, not a mutex:
 * in the ThreadSanitizer flavour this file is not instrumented, so the flag
 * orders nothing of the student's code (a mutex would, through TSan's
 * interceptor: every free() after a makecontext would follow it). */
static atomic_flag stacks_busy = ATOMIC_FLAG_INIT;

static void stacks_lock(void)
{
    while (atomic_flag_test_and_set_explicit(&stacks_busy, memory_order_acquire))
        sched_yield();
}

static void stacks_unlock(void) { atomic_flag_clear_explicit(&stacks_busy, memory_order_release); }
static void (*report)(const char *kind, const char *text);
static _Thread_local bool has_altstack;

void ucontext_set_report(void (*fn)(const char *kind, const char *text)) { report = fn; }

static unsigned char canary_byte(uintptr_t lo, size_t i)
{
    return (unsigned char)(0xA5u ^ (unsigned)((lo >> 4) + i * 131u));
}

static size_t canary_len(const task_stack *s)
{
    size_t n = (size_t)(s->hi - s->lo) / 8;
    return n < CANARY ? n : CANARY;
}

static bool canary_intact(const task_stack *s)
{
    const unsigned char *p = (const unsigned char *)s->lo;
    for (size_t i = 0; i < canary_len(s); i++)
        if (p[i] != canary_byte(s->lo, i))
            return false;
    return true;
}

/* The stack containing address a (or, with below > 0, whose bottom is at
 * most `below` bytes above a); -1 when none. Lock-free reads: called from
 * the crash handler too. */
static int stack_of(uintptr_t a, size_t below)
{
    int n = atomic_load(&nstacks);
    for (int i = 0; i < n; i++)
        if (stacks[i].hi > stacks[i].lo && a < stacks[i].hi && a + below >= stacks[i].lo)
            return i;
    return -1;
}

/* "@HEX": the site as an offset into the object holding it (the
 * executable), which the grader turns into FILE:LINE. */
static void put_site(char *buf, size_t cap, const void *site)
{
    Dl_info info;
    if (site && dladdr(site, &info) && info.dli_fbase)
        snprintf(buf, cap, "@%lx",
                 (unsigned long)((uintptr_t)site - 1 - (uintptr_t)info.dli_fbase));
    else
        snprintf(buf, cap, "?");
}

static void overflowed(int i, const char *how)
{
    task_stack *s = &stacks[i];
    if (s->reported)
        return;
    s->reported = true;
    if (!report)
        return;
    char site[32], text[512];
    put_site(site, sizeof site, s->site);
    snprintf(text, sizeof text, "task stack overflow: the %lu-byte stack made at %s "
             "(makecontext) was overrun (%s): the task used more stack than it was given. "
             "Give each task a larger stack (the lesson promises 64 KiB to every task)",
             (unsigned long)(s->hi - s->lo), site, how);
    report("overflow", text);
}

/* The stack the caller runs on, if it is a task's: its canary must hold. */
static void check_here(const char *when)
{
    if (atomic_load(&nstacks) == 0)
        return;
    char here;
    int i = stack_of((uintptr_t)&here, 0);
    if (i >= 0 && !canary_intact(&stacks[i]))
        overflowed(i, when);
}

/* A thread about to run tasks gets its own signal stack: a crash handler
 * cannot run on a task stack that has overflowed. */
static void ensure_altstack(void)
{
    if (has_altstack)
        return;
    has_altstack = true;
    stack_t cur;
    if (sigaltstack(NULL, &cur) == 0 && !(cur.ss_flags & SS_DISABLE))
        return;
    void *p = mmap(NULL, ALTSTACK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    if (p == MAP_FAILED)
        return;
    stack_t ss = { .ss_sp = p, .ss_size = ALTSTACK_BYTES };
    sigaltstack(&ss, NULL); /* the thread keeps it until it exits */
}

/* Every task starts here: its recorded function with its arguments, then
 * the canary once more (a task may overrun and return without switching). */
static void task_shim(int slot)
{
    task_stack *s = &stacks[slot];
    const int *a = s->argv;
    ((void (*)(int, int, int, int, int, int, int, int))s->fn)(a[0], a[1], a[2], a[3], a[4],
                                                              a[5], a[6], a[7]);
    check_here("found when the task's function returned");
}

void grader_makecontext(ucontext_t *ucp, void (*fn)(void), int argc, ...)
{
    ensure_altstack();
    uintptr_t lo = (uintptr_t)ucp->uc_stack.ss_sp;
    uintptr_t hi = lo + ucp->uc_stack.ss_size;
    int slot = -1;
    stacks_lock();
    /* A stack made again, or memory reused for a new stack: forget the old. */
    int n = atomic_load(&nstacks);
    for (int i = 0; i < n; i++) {
        if (stacks[i].hi > stacks[i].lo && stacks[i].lo < hi && lo < stacks[i].hi)
            stacks[i].hi = stacks[i].lo = 0;
        if (slot < 0 && stacks[i].hi == stacks[i].lo)
            slot = i;
    }
    if (slot < 0 && n < STACKS_MAX) {
        slot = n;
        atomic_store(&nstacks, n + 1);
    }
    if (slot >= 0 && hi > lo && argc >= 0 && argc <= ARGS_MAX) {
        task_stack *s = &stacks[slot];
        *s = (task_stack){ .site = __builtin_return_address(0), .fn = fn, .argc = argc };
        va_list ap;
        va_start(ap, argc);
        for (int i = 0; i < argc; i++)
            s->argv[i] = va_arg(ap, int);
        va_end(ap);
        size_t len = (size_t)(hi - lo) / 8 < CANARY ? (size_t)(hi - lo) / 8 : CANARY;
        for (size_t i = 0; i < len; i++)
            ((unsigned char *)lo)[i] = canary_byte(lo, i);
        s->lo = lo;
        s->hi = hi; /* last: stack_of sees a whole record */
        stacks_unlock();
        makecontext(ucp, (void (*)(void))task_shim, 1, slot);
        return;
    }
    stacks_unlock();
    /* Not recorded (no slot, more arguments than we carry): as it was. */
    va_list ap;
    va_start(ap, argc);
    int a[ARGS_MAX] = { 0 };
    for (int i = 0; i < argc && i < ARGS_MAX; i++)
        a[i] = va_arg(ap, int);
    va_end(ap);
    makecontext(ucp, fn, argc < ARGS_MAX ? argc : ARGS_MAX, a[0], a[1], a[2], a[3], a[4], a[5],
                a[6], a[7]);
}

void ucontext_forget_range(const void *p, size_t n)
{
    if (atomic_load(&nstacks) == 0)
        return;
    uintptr_t a = (uintptr_t)p;
    stacks_lock();
    int k = atomic_load(&nstacks);
    for (int i = 0; i < k; i++)
        if (stacks[i].hi > stacks[i].lo && stacks[i].lo < a + n && a < stacks[i].hi)
            stacks[i].hi = stacks[i].lo = 0;
    stacks_unlock();
}

int grader_swapcontext(ucontext_t *oucp, const ucontext_t *ucp)
{
    check_here("found when the task switched away");
    return swapcontext(oucp, ucp);
}

int grader_setcontext(const ucontext_t *ucp)
{
    check_here("found when the task switched away");
    return setcontext(ucp);
}

bool ucontext_crash_check(int sig, const siginfo_t *info, uintptr_t sp)
{
    int i = -1;
    const char *how = "found when the task crashed";
    if ((sig == SIGSEGV || sig == SIGBUS) && info) {
        uintptr_t a = (uintptr_t)info->si_addr;
        i = stack_of(a, GUARD_REACH);
        if (i >= 0 && a >= stacks[i].lo)
            i = -1; /* inside a stack: not an overflow by itself */
        else if (i >= 0)
            how = "the task touched memory just below its stack";
    }
    if (i < 0 && sp) {
        i = stack_of(sp, GUARD_REACH);
        if (i >= 0 && sp < stacks[i].lo)
            how = "the task's stack pointer was below its stack";
        else if (i >= 0 && canary_intact(&stacks[i]))
            i = -1;
    }
    if (i < 0)
        return false;
    overflowed(i, how);
    return true;
}
