/* intercept_ucontext.h - the student's ucontext calls (intercept_ucontext.c):
 * a task whose stack overflows is reported as such. */
#ifndef INTERCEPT_UCONTEXT_H
#define INTERCEPT_UCONTEXT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <ucontext.h>

/* The wrappers intercept.syms renames the student's calls to. */
void grader_makecontext(ucontext_t *ucp, void (*fn)(void), int argc, ...);
int grader_swapcontext(ucontext_t *oucp, const ucontext_t *ucp);
int grader_setcontext(const ucontext_t *ucp);

/* From intercept.c's grader_munmap and grader_free: a task stack in
 * [p, p + n) is forgotten (never read again). */
void ucontext_forget_range(const void *p, size_t n);

/* Where an overflow is reported: report("overflow", text), text naming the
 * stack's size and its makecontext call as "@HEX" (an offset into the
 * executable). Not set: nothing is reported. */
void ucontext_set_report(void (*report)(const char *kind, const char *text));

/* From a crash handler (running on an alternate signal stack): a SIGSEGV
 * or SIGBUS at most 64 KiB below a task stack, a stack pointer there, or a
 * crash on a task stack whose canary is broken is that stack's overflow:
 * reports it and returns true. sp: the stack pointer at the fault (0:
 * unknown). */
bool ucontext_crash_check(int sig, const siginfo_t *info, uintptr_t sp);

#endif
