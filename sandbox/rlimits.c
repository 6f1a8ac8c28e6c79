/* rlimits.c - the per-process limits of a sandboxed command: CPU time, file
 * size, open files, processes, no core dumps and, when it is safe, address
 * space. ThreadSanitizer reserves terabytes of virtual memory, so its runs
 * get no RLIMIT_AS (the memory cgroup, when there is one, still applies).
 */
#include "internal.h"

#include <sys/resource.h>

/* Plain runs: room for 64+ threads' stacks and glibc's malloc arenas. */
#define AS_FLOOR (4096ul << 20)

static void set_limit(int resource, rlim_t value)
{
    struct rlimit rl = { value, value };
    setrlimit(resource, &rl);
}

bool sbx_is_tsan_run(const sbx_spec *spec)
{
    return spec->sanitizer;
}

void sbx_apply_rlimits(const sbx_spec *spec, bool as_limit)
{
    if (spec->cpu_ms) {
        rlim_t s = (spec->cpu_ms + 999) / 1000;
        struct rlimit rl = { s, s + 1 }; /* SIGXCPU first, SIGKILL a second later */
        setrlimit(RLIMIT_CPU, &rl);
    }
    set_limit(RLIMIT_CORE, 0);
    set_limit(RLIMIT_FSIZE, spec->max_file_bytes ? spec->max_file_bytes : SBX_DEFAULT_FILE);
    set_limit(RLIMIT_NOFILE, SBX_DEFAULT_FDS);
    set_limit(RLIMIT_NPROC, spec->max_procs ? spec->max_procs : SBX_DEFAULT_PROCS);
    set_limit(RLIMIT_MEMLOCK, 0);
    set_limit(RLIMIT_MSGQUEUE, 0);
    if (as_limit) {
        size_t mem = spec->mem_bytes ? spec->mem_bytes
                                     : (spec->compiler ? SBX_COMPILE_MEM : SBX_DEFAULT_MEM);
        /* A compiler's address space is close to what it uses; a threaded
         * test's is not (stacks and arenas are reserved, not used). */
        rlim_t as = spec->compiler ? (rlim_t)mem : (rlim_t)(mem > AS_FLOOR ? mem : AS_FLOOR);
        set_limit(RLIMIT_AS, as);
    }
}
