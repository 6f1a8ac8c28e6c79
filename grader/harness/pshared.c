/* pshared.c - the process-shared rule: a mutex, condition variable,
 * read-write lock or semaphore made for one process, used by two.
 *
 * Made without PTHREAD_PROCESS_SHARED (or with sem_init(s, 0, n)), such an
 * object waits and wakes with private futexes, which the kernel keys by the
 * process's address space: placed in memory shared across a fork, it still
 * "works" in each process, but a wake-up in one never reaches a waiter in
 * the other. The bug shows only when someone has to wait, at the wrong
 * moment. This rule finds it on the first use by a second process, whether
 * or not anyone waits, and names the line of that use and of the mmap.
 *
 * How:
 * - the student's mmap and munmap (wrapped by both front ends) keep the
 *   list of its MAP_SHARED regions, each with a number unique across the
 *   subject's processes; a fork copies the list to the child, numbers
 *   included, so one number means the same memory in every process;
 * - a table in a MAP_SHARED page of the engine's own, made at engine_init
 *   before any fork and so common to every process of the run, maps
 *   (region number, offset) of each private object used in such a region
 *   to the first process that used it;
 * - each process looks an object up once (a memo keyed by address, stamped
 *   with its pid: a fork's copy is stale in the child). The lookup runs
 *   only once the student has mapped shared memory (pshared_active), so
 *   the lessons without it pay one load per call.
 * Everything but pshared_mapped/unmapped runs under E.mu.
 */
#include "engine_int.h"

#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_REGIONS 64
#define MEMO_SLOTS 1024 /* a power of two */
#define CROSS_SLOTS 4095

typedef struct region {
    uintptr_t lo, hi;
    uint32_t number;
    void *site; /* the student's mmap */
} region;

/* The cross-process table: the engine's own shared page(s). */
typedef struct cross_table {
    _Atomic uint32_t next_region;
    atomic_bool misuse; /* some process of the run wrote a misuse record */
    struct {
        _Atomic uint64_t key; /* region number << 40 | offset; 0: free */
        _Atomic int32_t pid;  /* the first process that used the object */
    } slot[CROSS_SLOTS];
} cross_table;

atomic_bool pshared_active;
static cross_table *cross;
static region regions[MAX_REGIONS]; /* under the spin lock below */
static int nregions;
static atomic_flag regions_lock = ATOMIC_FLAG_INIT;
static pid_t my_pid;
static struct {
    const void *addr;
    pid_t pid;
} memo[MEMO_SLOTS];

static void after_fork_in_child(void)
{
    my_pid = getpid();
    atomic_flag_clear(&regions_lock); /* held by a thread that is gone? */
}

void pshared_init(void)
{
    my_pid = getpid();
    pthread_atfork(NULL, NULL, after_fork_in_child);
    void *p = mmap(NULL, sizeof(cross_table), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                   -1, 0);
    if (p == MAP_FAILED)
        return; /* the rule is off; nothing else depends on it */
    cross = p;
    atomic_store(&cross->next_region, 1);
}

static void regions_enter(void)
{
    while (atomic_flag_test_and_set_explicit(&regions_lock, memory_order_acquire))
        ;
}

static void regions_leave(void) { atomic_flag_clear_explicit(&regions_lock, memory_order_release); }

/* Not under E.mu (mmap may come before the engine is ready). */
void pshared_mapped(void *addr, size_t len, int flags, void *site)
{
    if (addr == MAP_FAILED || !(flags & MAP_SHARED) || !cross || len == 0)
        return;
    eng_hide_begin();
    regions_enter();
    if (nregions < MAX_REGIONS) {
        regions[nregions++] = (region){ (uintptr_t)addr, (uintptr_t)addr + len,
                                        atomic_fetch_add(&cross->next_region, 1), site };
        atomic_store(&pshared_active, true);
    }
    regions_leave();
    eng_hide_end();
}

/* Any region [addr, addr+len) touches is forgotten whole (a partial unmap
 * is rare; forgetting errs toward saying nothing). */
void pshared_unmapped(void *addr, size_t len)
{
    uintptr_t lo = (uintptr_t)addr, hi = lo + len;
    eng_hide_begin();
    regions_enter();
    for (int i = 0; i < nregions;) {
        if (regions[i].lo < hi && lo < regions[i].hi)
            regions[i] = regions[--nregions];
        else
            i++;
    }
    regions_leave();
    eng_hide_end();
}

/* The region holding o, copied out; false when none does. */
static bool region_of(const void *o, region *out)
{
    uintptr_t a = (uintptr_t)o;
    bool found = false;
    regions_enter();
    for (int i = 0; i < nregions && !found; i++) {
        if (a >= regions[i].lo && a < regions[i].hi) {
            *out = regions[i];
            found = true;
        }
    }
    regions_leave();
    return found;
}

/* True the first time this process asks about o. */
static bool first_look(const void *o)
{
    unsigned h = (unsigned)(((uintptr_t)o * 0x9E3779B97F4A7C15ull) >> 54) & (MEMO_SLOTS - 1);
    for (unsigned n = 0; n < MEMO_SLOTS; n++, h = (h + 1) & (MEMO_SLOTS - 1)) {
        if (memo[h].addr == o && memo[h].pid == my_pid)
            return false;
        if (memo[h].addr == NULL || memo[h].pid != my_pid) {
            memo[h].addr = o;
            memo[h].pid = my_pid;
            return true;
        }
    }
    return true; /* full: look again (the cross table answers the same) */
}

/* The process that used the object under key first (this one if none did). */
static pid_t first_user(uint64_t key)
{
    unsigned h = (unsigned)((key * 0x9E3779B97F4A7C15ull) >> 32) % CROSS_SLOTS;
    for (unsigned n = 0; n < CROSS_SLOTS; n++, h = (h + 1) % CROSS_SLOTS) {
        uint64_t k = atomic_load(&cross->slot[h].key);
        if (k == 0) {
            uint64_t empty = 0;
            if (atomic_compare_exchange_strong(&cross->slot[h].key, &empty, key)) {
                atomic_store(&cross->slot[h].pid, my_pid);
                return my_pid;
            }
            k = empty; /* another process took the slot meanwhile */
        }
        if (k == key) {
            /* Its taker is about to write the pid. A taker killed in
             * between never will: after a bounded wait, say nothing. */
            pid_t p = 0;
            for (int tries = 0; tries < 100000 && (p = atomic_load(&cross->slot[h].pid)) == 0; tries++)
                sched_yield();
            return p ? p : my_pid;
        }
    }
    return my_pid; /* full: say nothing */
}

/* The page is common to the run's processes, so a misuse found in a child
 * ends the run from the parent's watchdog too (a child has none). */
void pshared_note_misuse(void)
{
    if (cross)
        atomic_store(&cross->misuse, true);
}

bool pshared_misuse_anywhere(void) { return cross && atomic_load(&cross->misuse); }

bool pshared_is_private(enum pshared_kind k, const void *o)
{
#ifdef __GLIBC__
    /* glibc's own marks (nptl's pthreadP.h, internaltypes.h). */
    switch (k) {
    case PS_MUTEX: return !(((const pthread_mutex_t *)o)->__data.__kind & 128);
    case PS_COND:
        return !(__atomic_load_n(&((const pthread_cond_t *)o)->__data.__wrefs, __ATOMIC_RELAXED) &
                 1);
    case PS_RWLOCK: return ((const pthread_rwlock_t *)o)->__data.__shared == 0;
    case PS_SEM: return false; /* semaphore.c knows from sem_init */
    }
#endif
    (void)k;
    (void)o;
    return false;
}

void pshared_used(int t, enum pshared_kind k, const void *o, bool is_private, int number,
                  void *site)
{
    if (!cross || !first_look(o))
        return;
    region r;
    if (!is_private || !region_of(o, &r))
        return;
    uint64_t key = (uint64_t)r.number << 40 | (uint64_t)((uintptr_t)o - r.lo);
    if (first_user(key) != my_pid)
        misuse_process_private(t, k, number, site, r.site);
}
