/* stack_overflow.c - the unit test of grader/harness/intercept_ucontext.c
 * (the student's makecontext, swapcontext and setcontext: task stack
 * overflows reported as such). Built with that file alone and run by
 * tests/suites/45-engine.sh; exit status 0 when every check holds, else 1
 * with the failed check on stderr.
 *
 * Checks: a task that uses 32 KiB of a 64 KiB stack is not reported, and
 * gets the arguments given to makecontext; one that overruns a 4 KiB stack
 * is reported when it switches away (swapcontext, setcontext) and when its
 * function returns (uc_link), once per stack, naming the stack's size and
 * the makecontext call ("@HEX"); a stack made again is checked afresh; a
 * task that runs into a guard page below its stack faults, and the crash
 * check (from a handler on the alternate signal stack the wrapper gave the
 * thread) says it is that stack's overflow; a fault elsewhere is not, nor
 * one on or below a stack the student unmapped or freed.
 */
#include "intercept_ucontext.h"
#include "sigsafe.h"

#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int failures;
#define CHECK(ok, ...)                                                                   \
    do {                                                                                 \
        if (!(ok)) {                                                                     \
            fprintf(stderr, "stack_overflow.c:%d: ", __LINE__);                          \
            fprintf(stderr, __VA_ARGS__);                                                \
            fputc('\n', stderr);                                                         \
            failures++;                                                                  \
        }                                                                                \
    } while (0)

static int reports;
static char last[512];

static void on_report(const char *kind, const char *text)
{
    if (strcmp(kind, "overflow") == 0) {
        reports++;
        snprintf(last, sizeof last, "%s", text);
    }
}

static ucontext_t home, task;
static int depth_kib, got_a, got_b;

/* About kib KiB of stack, every byte written. */
static __attribute__((noinline)) long deep(int kib)
{
    volatile char frame[1000];
    for (size_t i = 0; i < sizeof frame; i++)
        frame[i] = (char)(kib + (int)i);
    return kib <= 1 ? frame[0] : deep(kib - 1) + frame[7];
}

static void body_switches(int a, int b)
{
    got_a = a;
    got_b = b;
    deep(depth_kib);
    grader_swapcontext(&task, &home); /* a suspension */
}

static void body_setcontext(void)
{
    deep(depth_kib);
    grader_setcontext(&home);
}

static void body_returns(void) { deep(depth_kib); }

/* A stack of `size` bytes at the top of a mapping of `map` bytes (the rest
 * below it mapped too: an overrun lands there harmlessly), or with a
 * PROT_NONE guard page right below it. */
static char *stack_in(size_t map, size_t size, bool guard)
{
    char *m = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    char *lo = m + map - size;
    if (guard && mprotect(lo - 4096, 4096, PROT_NONE) != 0) {
        perror("mprotect");
        exit(1);
    }
    return lo;
}

static void make(char *lo, size_t size, void (*fn)(void), int argc, int a, int b)
{
    getcontext(&task);
    task.uc_stack.ss_sp = lo;
    task.uc_stack.ss_size = size;
    task.uc_link = &home;
    if (argc == 2)
        grader_makecontext(&task, fn, 2, a, b);
    else
        grader_makecontext(&task, fn, 0);
}

static sigjmp_buf out;
static volatile sig_atomic_t crash_said;

static void on_segv(int sig, siginfo_t *info, void *uctx)
{
    crash_said = ucontext_crash_check(sig, info, fault_sp(uctx)) ? 1 : 2;
    siglongjmp(out, 1);
}

int main(void)
{
    ucontext_set_report(on_report);

    /* 32 KiB of 64: fine; the arguments arrive. */
    char *big = stack_in(1u << 20, 64u << 10, false);
    depth_kib = 32;
    make(big, 64u << 10, (void (*)(void))body_switches, 2, 17, -4);
    grader_swapcontext(&home, &task);
    CHECK(reports == 0, "a task that used 32 KiB of a 64 KiB stack was reported: %s", last);
    CHECK(got_a == 17 && got_b == -4, "makecontext's arguments arrived as %d, %d (sent 17, -4)",
          got_a, got_b);

    /* 8 KiB on a 4 KiB stack: reported when it switches away. */
    char *small = stack_in(1u << 20, 4096, false);
    depth_kib = 8;
    make(small, 4096, (void (*)(void))body_switches, 2, 1, 2);
    grader_swapcontext(&home, &task);
    CHECK(reports == 1, "a task that used 8 KiB of a 4 KiB stack and switched away gave %d "
          "reports, expected 1", reports);
    CHECK(strstr(last, "task stack overflow: the 4096-byte stack made at @") != NULL &&
          strstr(last, "switched away") != NULL, "the report says: %s", last);

    /* Once per stack: the same task resumed and switching again. */
    grader_swapcontext(&home, &task); /* it returns through uc_link */
    CHECK(reports == 1, "the same overrun stack was reported again (%d reports)", reports);

    /* Made again: checked afresh; overrun then return (uc_link). */
    make(small, 4096, body_returns, 0, 0, 0);
    grader_swapcontext(&home, &task);
    CHECK(reports == 2 && strstr(last, "function returned") != NULL, "a task that overran "
          "its stack and returned: %d reports, the last: %s", reports, last);

    /* setcontext away from an overrun stack. */
    char *small2 = stack_in(1u << 20, 8192, false);
    depth_kib = 12;
    make(small2, 8192, body_setcontext, 0, 0, 0);
    grader_swapcontext(&home, &task);
    CHECK(reports == 3 && strstr(last, "the 8192-byte stack") != NULL, "a task that overran "
          "an 8 KiB stack and called setcontext: %d reports, the last: %s", reports, last);

    /* A guard page below a 16 KiB stack: the fault is that stack's overflow. */
    struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_ONSTACK };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    stack_t ss;
    CHECK(sigaltstack(NULL, &ss) == 0 && !(ss.ss_flags & SS_DISABLE), "makecontext gave the "
          "thread no alternate signal stack");
    char *guarded = stack_in(1u << 20, 16u << 10, true);
    depth_kib = 40;
    make(guarded, 16u << 10, (void (*)(void))body_switches, 2, 0, 0);
    if (sigsetjmp(out, 1) == 0)
        grader_swapcontext(&home, &task);
    CHECK(crash_said == 1, "a task that ran into the guard page below its stack: the crash "
          "check said %s", crash_said == 2 ? "not an overflow" : "nothing (no fault?)");
    CHECK(reports == 4 && strstr(last, "the 16384-byte stack") != NULL, "the guard page "
          "fault gave %d reports, the last: %s", reports, last);

    /* A fault far from any task stack is not an overflow. */
    crash_said = 0;
    if (sigsetjmp(out, 1) == 0)
        *(volatile int *)(uintptr_t)16 = 1;
    CHECK(crash_said == 2, "a null-pointer write on the main stack was taken for a task "
          "stack overflow (%d)", crash_said);
    CHECK(reports == 4, "a null-pointer write was reported: %s", last);

    /* A stack the student unmapped (or freed) is forgotten: a crash with the
     * stack pointer in its old range says nothing about it. */
    ucontext_forget_range(small2 - ((1u << 20) - 8192), 1u << 20); /* intercept.c's munmap */
    munmap(small2 - ((1u << 20) - 8192), 1u << 20);
    char *later = mmap(NULL, 1u << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(!ucontext_crash_check(SIGSEGV, NULL, (uintptr_t)small2 + 100),
          "a crash on the range of an unmapped task stack was taken for its overflow");
    ucontext_forget_range(big, 64u << 10);
    CHECK(!ucontext_crash_check(SIGSEGV, NULL, (uintptr_t)big - 100),
          "a crash just below a forgotten (freed) task stack was taken for its overflow");
    munmap(later, 1u << 20);

    if (failures == 0)
        printf("ucontext: all checks hold\n");
    return failures ? 1 : 0;
}
