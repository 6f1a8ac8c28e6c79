/* preload_crash.c - where a program under `grader stress` crashed, and
 * what its threads did last.
 *
 * The test binaries' subject writes a "crash" record from its own signal
 * handler (subject.c); a program run by `grader stress` has no subject, so
 * the LD_PRELOAD library installs the same kind of handler: on SIGSEGV,
 * SIGBUS, SIGFPE, SIGILL or SIGABRT (a failed assert() aborts) it writes
 *     crash SIGNO HEX HEX ...
 * the faulting address, then the return addresses, as offsets into the main
 * executable, keeping only the frames inside it (libc's frames say nothing
 * about the program), then the engine's timeline record, and dies of the
 * same signal. grader/src/cmd_stress.c names the first frame's file:line
 * (sites.c). A program that exits writes the timeline too (a destructor),
 * so a failing exit status, a misuse or a lock-order report comes with it.
 */
#include "engine_int.h"
#include "sigsafe.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

static bool in_program(uintptr_t a) { return a >= E.exe_lo && a < E.exe_hi; }

static void on_crash(int sig, siginfo_t *info, void *uctx)
{
    (void)info;
    if (E.ready && E.report) {
        void *pcs[48];
        int n = backtrace(pcs, 48);
        uintptr_t pc = fault_pc(uctx);
        /* Frames up to the faulting one are this handler's and the kernel's
         * trampoline's; the fault's address is exact, its callers' are
         * return addresses (one past their call). */
        int first = 0;
        for (int i = 0; i < n && pc; i++)
            if ((uintptr_t)pcs[i] == pc)
                first = i;
        char line[32 + 48 * 20];
        size_t len = put_hex(line, (uintptr_t)sig);
        if (pc && in_program(pc) && (uintptr_t)pcs[first] != pc) {
            line[len++] = ' ';
            len += put_hex(line + len, pc - E.exe_base);
        }
        for (int i = first; i < n; i++) {
            uintptr_t a = (uintptr_t)pcs[i] - (i > first || (uintptr_t)pcs[i] != pc);
            if (!in_program(a))
                continue;
            line[len++] = ' ';
            len += put_hex(line + len, a - E.exe_base);
        }
        line[len] = '\0';
        E.report("crash", line);
        /* Not strictly async-signal-safe (snprintf into static memory, no
         * allocation or lock); the crash record is out already. */
        engine_report_timeline();
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

/* At exit (not at _exit: a deadlock report wrote its own): what the
 * threads did last, for a run that turns out to have failed. */
__attribute__((destructor)) static void preload_exit_timeline(void)
{
    if (E.ready && E.report)
        engine_report_timeline();
}

/* Called by preload_init once the engine runs. */
void preload_crash_install(void)
{
    /* A ThreadSanitizer binary run directly: TSan reports crashes itself. */
    if (!E.ready || dlsym(RTLD_DEFAULT, "__tsan_init"))
        return;
    void *warm[1];
    backtrace(warm, 1); /* loads libgcc now, not inside the handler */
    static char altstack[64 * 1024];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack };
    sigaltstack(&ss, NULL);
    struct sigaction sa = { .sa_sigaction = on_crash,
                            .sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND };
    sigemptyset(&sa.sa_mask);
    int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
}
