/* sample.c - where a running thread is, for the busy-wait report (vclock.c):
 * a spinner is named with the line it loops on, not only its number.
 *
 * The ticker sends the spinning thread SAMPLE_SIGNAL; the handler, on that
 * thread, records its stack (the interrupted instruction, then the return
 * addresses of its callers) as offsets into the executable, and the ticker
 * waits a little for them. A thread that does not take the signal in time
 * (ThreadSanitizer holds a signal until the thread's next intercepted call)
 * is reported without a place. The report ends the run at once, so the
 * signal's only effect on the code under test is never seen.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "engine_int.h"
#include "sigsafe.h"

#include <errno.h>
#include <execinfo.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SAMPLE_SIGNAL (SIGRTMAX - 1)
#define SAMPLE_WAIT_MS 200 /* a thread on a loaded machine may wait that long for a CPU */

/* One sample at a time (the ticker's). Atomics: the handler runs on the
 * student's thread, the ticker reads after `done`. */
static atomic_int want_tid;
static atomic_int done;
static atomic_int nframes;
static _Atomic uintptr_t frames[ENG_SAMPLE_FRAMES];

static void on_sample(int sig, siginfo_t *info, void *uctx)
{
    (void)sig;
    (void)info;
    if ((int)syscall(SYS_gettid) != atomic_load(&want_tid) || atomic_load(&done))
        return; /* not the sample asked for */
    int saved = errno;
    void *pcs[ENG_SAMPLE_FRAMES + 4];
    int n = backtrace(pcs, ENG_SAMPLE_FRAMES + 4);
    uintptr_t pc = fault_pc(uctx);
    /* Frames before the interrupted one are this handler's and the kernel's
     * trampoline (as in subject.c's crash handler). */
    int first = 0;
    for (int i = 0; i < n && pc; i++)
        if ((uintptr_t)pcs[i] == pc)
            first = i;
    int k = 0;
    /* An unwinder that did not list the interrupted instruction (a leaf
     * without unwind info): it comes first all the same, exact, then every
     * frame listed (the handler's own are not the student's and are passed
     * over by who reads them, as after subject.c's crash handler). */
    if (pc && (n == 0 || (uintptr_t)pcs[first] != pc) && pc >= E.exe_lo && pc < E.exe_hi)
        atomic_store_explicit(&frames[k++], pc - E.exe_base, memory_order_relaxed);
    for (int i = first; i < n && k < ENG_SAMPLE_FRAMES; i++) {
        uintptr_t a = (uintptr_t)pcs[i];
        if (i > first)
            a--; /* a return address: back into its call instruction */
        if (a >= E.exe_lo && a < E.exe_hi)
            atomic_store_explicit(&frames[k++], a - E.exe_base, memory_order_relaxed);
    }
    atomic_store_explicit(&nframes, k, memory_order_relaxed);
    atomic_store_explicit(&done, 1, memory_order_release);
    errno = saved;
}

int eng_sample_stack(pid_t tid, uintptr_t out[ENG_SAMPLE_FRAMES])
{
    static bool installed;
    if (!installed) {
        void *warm[1];
        backtrace(warm, 1); /* loads libgcc here, not in the handler */
        struct sigaction sa = { .sa_sigaction = on_sample, .sa_flags = SA_SIGINFO | SA_RESTART };
        sigemptyset(&sa.sa_mask);
        if (sigaction(SAMPLE_SIGNAL, &sa, NULL) != 0)
            return 0;
        installed = true;
    }
    atomic_store(&done, 0);
    atomic_store(&want_tid, (int)tid);
    if (syscall(SYS_tgkill, getpid(), tid, SAMPLE_SIGNAL) != 0)
        return 0;
    for (int waited = 0; waited < SAMPLE_WAIT_MS; waited++) {
        if (atomic_load_explicit(&done, memory_order_acquire)) {
            int n = atomic_load_explicit(&nframes, memory_order_relaxed);
            for (int i = 0; i < n; i++)
                out[i] = atomic_load_explicit(&frames[i], memory_order_relaxed);
            return n;
        }
        struct timespec ms = { 0, 1000000L };
        E.R.nanosleep(&ms, NULL);
    }
    atomic_store(&want_tid, 0); /* too late: a handler that runs now records nothing */
    return 0;
}
