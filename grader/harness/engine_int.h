/* engine_int.h - the engine's shared state, for its own files only
 * (engine.c: threads, mutexes, the wrapped calls; lockorder.c: the lock-order
 * graph; noise.c: schedule noise; watchdog.c: stalls and the wait-for report).
 *
 * One mutex (E.mu, taken through the real functions) guards everything but
 * the atomics. Nothing the engine does for its own sake may order the
 * threads of the code under test (tsan_hide.h): eng_enter and eng_leave
 * hide E.mu and what is done under it.
 */
#ifndef ENGINE_INT_H
#define ENGINE_INT_H

#include "engine.h"
#include "tsan_hide.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>

#define ENG_MAX_THREADS 256
#define ENG_MAX_HELD 64
#define ENG_MAX_LOCKS 4096
#define ENG_LOCK_BUCKETS 4096
#define ENG_MAX_CONDS 1024

/* W_IDLE: a thread of the subject's stub between two of the judge's calls
 * (it runs no code under test: blocked, for interleaving; not a hang).
 * W_MUTEX, W_RWLOCK, W_SPIN: waits for wait_lock (a read-write lock: for
 * its writer or all its readers). W_BARRIER: wait_cond is the barrier's
 * number. */
enum wait_kind { W_NONE, W_MUTEX, W_COND, W_JOIN, W_RWLOCK, W_SLEEP, W_IDLE, W_SPIN, W_BARRIER,
                 W_SEM /* wait_cond: the semaphore's number (semaphore.c) */ };

typedef uint32_t lock_key; /* (generation << 16) | index: never names two mutexes */

typedef struct eng_held {
    int lock;   /* index */
    void *site; /* where it was locked */
} eng_held;

typedef struct eng_thread {
    int id; /* shown to people: "thread 2" */
    bool used, alive;
    pthread_t self;
    pid_t tid;       /* the kernel's id (vclock.c asks whether it sleeps) */
    eng_held held[ENG_MAX_HELD];
    int nheld;
    enum wait_kind wait;
    int wait_lock;   /* W_MUTEX: the mutex; W_COND: the condition's mutex */
    int wait_cond;   /* W_COND: condition number */
    int wait_thread; /* W_JOIN: thread index, -1 if not one we know (yet) */
    int wait_thread_id; /* W_JOIN: that thread's id (its slot may be reused) */
    pthread_t wait_target; /* W_JOIN: the thread joined */
    bool wait_timed;
    bool wait_missed; /* W_COND: a wake-up on its condition came between the
                       * thread's check and its wait (waitpause.c) */
    void *wait_site;
    uint64_t syncs;  /* sync points passed */
    uint64_t rng;
    bool spurious_next;
    bool interleave;
    bool slow;       /* PCT-style: a low-priority thread, delayed more */
    uint64_t change_point;
} eng_thread;

typedef struct eng_lock {
    const void *addr;
    int owner; /* thread index or -1; a read-write lock's writer (its readers
                * are the threads with it in their held lists) */
    int depth; /* extra recursive locks */
    uint16_t gen;
    bool live;
    int next; /* hash chain */
} eng_lock;

typedef struct engine_state {
    bool ready;
    engine_real R;
    engine_config cfg;
    engine_report_fn report;
    pthread_mutex_t mu;
    eng_thread threads[ENG_MAX_THREADS];
    int nthreads;
    eng_lock locks[ENG_MAX_LOCKS];
    int nlocks, free_lock;
    int buckets[ENG_LOCK_BUCKETS];
    const void *conds[ENG_MAX_CONDS];
    int nconds;
    uintptr_t exe_base, exe_lo, exe_hi; /* the main executable: load base, range */
    atomic_ulong progress;    /* acquisitions, wake-ups, joins, exits */
    atomic_ulong sections;    /* critical sections completed */
    atomic_bool deadlock_reported;
    atomic_bool misuse_reported; /* the watchdog then ends the run (watchdog.c) */
    atomic_bool order_reported;
} engine_state;

extern engine_state E;

/* Hide the engine's own accesses and synchronisation from ThreadSanitizer
 * (nestable). A thread's slot is reused by later threads, so even the
 * fields only its own thread touches go through this. */
void eng_hide_begin(void);
void eng_hide_end(void);

/* Take/release E.mu (hidden from ThreadSanitizer). */
void eng_enter(void);
void eng_leave(void);

/* Appends "@HEX" for a code address (or "?"). */
void eng_site(char *buf, size_t cap, size_t *len, const void *site);

/* sample.c: the stack of running thread `tid` of this process, as offsets
 * into the executable (the interrupted instruction first, then its
 * callers'; frames outside the executable left out); the count, 0 when
 * the thread did not answer in time. Not under E.mu's rules: the handler
 * takes nothing. */
#define ENG_SAMPLE_FRAMES 16
int eng_sample_stack(pid_t tid, uintptr_t out[ENG_SAMPLE_FRAMES]);
void eng_appendf(char *buf, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Under E.mu: a thread's or lock's current state, for the reports. */
lock_key eng_key(int lock);
bool eng_key_live(lock_key k);
static inline int eng_key_index(lock_key k) { return (int)(k & 0xffff); }

/* Reports a definite deadlock (E.mu held; it is released, may not return). */
void eng_report_deadlock(const char *text);

/* lockorder.c, under E.mu: thread t acquired `lock` (blocking) at `site`
 * while holding t->held (before the push). */
void lockorder_acquired(int t, int lock, void *site);
void lockorder_reset(void);

/* Takes E.mu: true when every other live thread we know is blocked. */
bool eng_others_blocked(int t);
/* The calling thread's slot, or -1 if it never made a wrapped call. */
int eng_self_index(void);
/* The calling thread's slot, registered on first use; -1 when the table is full. */
int eng_thread_index(void);

/* noise.c, without E.mu. */
void noise_thread_init(eng_thread *t);
void noise_point(eng_thread *t);
bool noise_spurious(eng_thread *t);
void noise_after_unlock(eng_thread *t);

/* waitpause.c, without E.mu: thread t is about to wait on condition `cond`
 * with mutex `lock` (an index) held, until `deadline` on `clock` if timed;
 * a signal or broadcast on condition `cond` has returned. waitpause_before_wait
 * returns true when a signal on `cond` came during its pause (and was missed). */
bool waitpause_before_wait(int t, int cond, const pthread_mutex_t *m, int lock,
                           const struct timespec *deadline, clockid_t clock);
void waitpause_signalled(int cond);
/* A thread is about to block on a mutex (it may be the one a pause awaits). */
void waitpause_mutex_blocked(void);

/* Under E.mu: the thread a W_JOIN waits for (found late if it registered
 * after the join began), or -1. */
int eng_join_target(int t);

/* misuse.c, under E.mu: the API misuse rules. Each writes a "misuse"
 * record once per rule and site; those returning bool say whether the call
 * is a misuse (so its error return is not reported again). t: the caller's
 * slot; li: a mutex index or -1 (never seen); cond: a condition number. */
void misuse_reset(void);
bool misuse_unlock(int t, int li, void *site);
void misuse_relock(int t, int li, void *site, bool blocks);
bool misuse_destroy_mutex(int t, int li, void *site);
void misuse_freed(int t, int li, void *site);
void misuse_exit_holding(int t);
bool misuse_wait_without_lock(int t, int cond, int li, void *site);
/* Every wait on a condition variable, real or spurious: its mutex must be
 * the one of the variable's first wait (while that mutex lives). */
void misuse_wait_pairing(int t, int cond, int li, void *site);
void misuse_wait_begin(int t, int cond, int li, void *site);
void misuse_wait_end(int cond);
void misuse_cond_reset(int cond);
bool misuse_destroy_cond(int t, int cond, void *site);
/* A timed wait's deadline on `clock`: true if invalid (the call fails). */
bool misuse_deadline(int t, const char *call, const struct timespec *ts, clockid_t clock,
                     void *site);
/* Thread t locked mutex li, a recursive one, where the configuration
 * forbids them (engine_config.no_recursive_mutex). */
void misuse_recursive(int t, int li, void *site);
/* A call returned rc: reports EINVAL, EPERM, EDEADLK, ESRCH. */
void misuse_error(int t, const char *call, int rc, void *site);

/* pshared.c: the process-shared rule (a process-private object in memory
 * shared by two processes). pshared_init: at engine_init, before any fork.
 * pshared_used, under E.mu: thread t used object o of kind k (its number
 * in the engine's tables, for the message) at site; is_private: it was
 * made for one process (pshared_is_private reads glibc's mark; semaphore.c
 * knows from sem_init). Cheap to skip while pshared_active is false. */
enum pshared_kind { PS_MUTEX, PS_COND, PS_RWLOCK, PS_SEM };
extern atomic_bool pshared_active;
void pshared_init(void);
/* Any process of the run wrote a misuse record (misuse.c notes it; the
 * watchdog, in the first process only, ends the run on it). */
void pshared_note_misuse(void);
bool pshared_misuse_anywhere(void);
bool pshared_is_private(enum pshared_kind k, const void *o);
void pshared_used(int t, enum pshared_kind k, const void *o, bool is_private, int number,
                  void *site);
/* misuse.c: the report of that rule; map_site: the mmap of the memory. */
void misuse_process_private(int t, enum pshared_kind k, int number, void *site, void *map_site);

/* procwait.c: what each process descended from this one is doing.
 * procwait_look, without E.mu, reads /proc; procwait_describe, under E.mu,
 * appends it in words (blocked on which mutex, reading which pipe...) and
 * returns how many processes it named. */
#define PROCWAIT_SHOWN 6
typedef struct procwait_proc {
    pid_t pid;
    uintptr_t futex; /* blocked on the futex word here (0: see text) */
    char text[200];
} procwait_proc;
typedef struct procwait_seen {
    int n, more;
    procwait_proc p[PROCWAIT_SHOWN];
} procwait_seen;
void procwait_look(procwait_seen *seen);
int procwait_describe(const procwait_seen *seen, char *buf, size_t cap, size_t *len);
/* semaphore.c, under E.mu: the number of the semaphore holding address a
 * (a futex word inside it), or 0. */
int sem_number_at(uintptr_t a);

/* watchdog.c */
void watchdog_start(void);
/* Under E.mu: appends "thread N holds ... and waits for ..." for thread t. */
void eng_describe_thread(char *buf, size_t cap, size_t *len, int t);
/* Under E.mu: if the waits starting at thread t close a cycle, writes it
 * into buf and returns true. */
bool eng_find_wait_cycle(int t, char *buf, size_t cap);

#endif
