/* engine.h - the concurrency engine's face towards its two front ends.
 *
 * The engine watches the pthread calls of the code under test: which thread
 * holds which mutex (and where it locked it), what each thread is blocked on,
 * the order in which mutexes are nested. From that it reports, on a record
 * channel, a deadlock the moment one forms (a cycle of threads each waiting
 * for the next), a lock-order inversion that could deadlock (a cycle in the
 * lock-order graph that no common "gate" lock protects), and, when nothing
 * moves for a while, what every thread is waiting for. It also perturbs the
 * schedule at those calls, deterministically from a seed, and makes condition
 * waits return spuriously (which POSIX allows). It reports misuses of the
 * API (misuse.c: unlocking a mutex the thread does not hold, waiting without
 * the mutex, a deadline on the wrong clock, an error correct code never
 * gets...) as "misuse" records, once per rule and line.
 *
 * Front ends: intercept.c (the grader's test binaries: the student's object's
 * calls are renamed to grader_*) and preload.c (`grader stress`: an
 * LD_PRELOAD library that wraps the real symbols). Each gives the engine the
 * real functions to call and a way to write records. c11threads.c brings
 * C11 <threads.h> calls to both as the pthread calls glibc builds them on.
 *
 * Code locations in records are written "@HEX": an offset into the main
 * executable that the reader turns into file:line with addr2line.
 */
#ifndef ENGINE_H
#define ENGINE_H

#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

typedef struct engine_real {
    int (*mutex_lock)(pthread_mutex_t *);
    int (*mutex_trylock)(pthread_mutex_t *);
    int (*mutex_timedlock)(pthread_mutex_t *, const struct timespec *);
    int (*mutex_unlock)(pthread_mutex_t *);
    int (*mutex_init)(pthread_mutex_t *, const pthread_mutexattr_t *);
    int (*mutex_destroy)(pthread_mutex_t *);
    int (*cond_wait)(pthread_cond_t *, pthread_mutex_t *);
    int (*cond_timedwait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
    int (*cond_signal)(pthread_cond_t *);
    int (*cond_broadcast)(pthread_cond_t *);
    int (*cond_destroy)(pthread_cond_t *);
    int (*join)(pthread_t, void **);
    int (*rwlock_rdlock)(pthread_rwlock_t *);
    int (*rwlock_wrlock)(pthread_rwlock_t *);
    int (*rwlock_unlock)(pthread_rwlock_t *);
    int (*rwlock_tryrdlock)(pthread_rwlock_t *);
    int (*rwlock_trywrlock)(pthread_rwlock_t *);
    int (*rwlock_timedrdlock)(pthread_rwlock_t *, const struct timespec *);
    int (*rwlock_timedwrlock)(pthread_rwlock_t *, const struct timespec *);
    int (*rwlock_init)(pthread_rwlock_t *, const pthread_rwlockattr_t *);
    int (*rwlock_destroy)(pthread_rwlock_t *);
    int (*spin_lock)(pthread_spinlock_t *);
    int (*spin_trylock)(pthread_spinlock_t *);
    int (*spin_unlock)(pthread_spinlock_t *);
    int (*barrier_wait)(pthread_barrier_t *);
    int (*sched_yield)(void);
    int (*nanosleep)(const struct timespec *, struct timespec *);
    int (*usleep)(unsigned);
    /* POSIX semaphores (semaphore.c) */
    int (*sem_wait)(sem_t *);
    int (*sem_trywait)(sem_t *);
    int (*sem_timedwait)(sem_t *, const struct timespec *);
    int (*sem_post)(sem_t *);
    int (*sem_init)(sem_t *, int, unsigned);
    int (*sem_destroy)(sem_t *);
} engine_real;

/* Writes one record ("KIND TEXT") wherever the front end sends them. */
typedef void (*engine_report_fn)(const char *kind, const char *text);

enum engine_noise { NOISE_OFF, NOISE_LIGHT, NOISE_FULL };

typedef struct engine_config {
    uint64_t seed;
    enum engine_noise noise;   /* LIGHT: yields only (timing tests) */
    bool spurious_wakeups;     /* every other condition wait returns at once */
    unsigned stall_ms;         /* no progress this long: write a "hang" record */
    bool exit_on_deadlock;     /* _exit(ENGINE_DEADLOCK_EXIT) after the record (a misuse: 50 ms later) */
    bool caller_runs_no_code;  /* engine_init's caller never runs the code under test
                                  (the subject's main thread): not one of its threads */
    bool no_recursive_mutex;   /* locking a recursive mutex is a misuse (a lesson that
                                  builds re-entrancy itself: misuse_recursive) */
} engine_config;

#define ENGINE_DEADLOCK_EXIT 87

/* Once, before the first wrapped call can matter. Starts the watchdog. */
void engine_init(const engine_real *real, const engine_config *cfg, engine_report_fn report);
bool engine_ready(void);

/* The wrapped calls. `site` is the caller's return address. */
int eng_mutex_lock(pthread_mutex_t *m, void *site);
int eng_mutex_trylock(pthread_mutex_t *m, void *site);
int eng_mutex_timedlock(pthread_mutex_t *m, const struct timespec *ts, void *site);
int eng_mutex_unlock(pthread_mutex_t *m, void *site);
int eng_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a, void *site);
int eng_mutex_destroy(pthread_mutex_t *m, void *site);
int eng_cond_wait(pthread_cond_t *c, pthread_mutex_t *m, void *site);
int eng_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *ts,
                       void *site);
/* pthread_cond_clockwait, and the deadline mover behind the other
 * clock-taking waits (sem_clockwait, pthread_mutex_clocklock): ts on clock
 * `from` as a deadline on clock `to` (written in *out), or ts itself when
 * no move is needed or possible. */
int eng_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clock,
                       const struct timespec *ts, void *site);
const struct timespec *eng_move_deadline(const struct timespec *ts, clockid_t from, clockid_t to,
                                         struct timespec *out);
int eng_cond_signal(pthread_cond_t *c, void *site);
int eng_cond_broadcast(pthread_cond_t *c, void *site);
int eng_cond_destroy(pthread_cond_t *c, void *site);
int eng_join(pthread_t t, void **ret, void *site);
int eng_rwlock_rdlock(pthread_rwlock_t *l, void *site);
int eng_rwlock_wrlock(pthread_rwlock_t *l, void *site);
int eng_rwlock_unlock(pthread_rwlock_t *l, void *site);
int eng_rwlock_tryrdlock(pthread_rwlock_t *l, void *site);
int eng_rwlock_trywrlock(pthread_rwlock_t *l, void *site);
int eng_rwlock_timedrdlock(pthread_rwlock_t *l, const struct timespec *ts, void *site);
int eng_rwlock_timedwrlock(pthread_rwlock_t *l, const struct timespec *ts, void *site);
int eng_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *a);
int eng_rwlock_destroy(pthread_rwlock_t *l);
int eng_spin_lock(pthread_spinlock_t *l, void *site);
int eng_spin_trylock(pthread_spinlock_t *l, void *site);
int eng_spin_unlock(pthread_spinlock_t *l, void *site);
int eng_barrier_wait(pthread_barrier_t *b, void *site);
int eng_sched_yield(void *site);
int eng_nanosleep(const struct timespec *req, struct timespec *rem, void *site);
int eng_usleep(unsigned us, void *site);
/* POSIX semaphores (semaphore.c): the real calls' results and errno. */
int eng_sem_wait(sem_t *s, void *site);
int eng_sem_trywait(sem_t *s, void *site);
int eng_sem_timedwait(sem_t *s, const struct timespec *ts, void *site);
int eng_sem_post(sem_t *s, void *site);
int eng_sem_init(sem_t *s, int pshared, unsigned value);
int eng_sem_destroy(sem_t *s);

/* For a timed wait the engine does not wrap itself (a timed rwlock lock,
 * sem_timedwait...): checks its deadline on `clock` (misuse records for an
 * invalid tv_nsec or a deadline more than a day from now). True when the
 * deadline is invalid (the call will fail with EINVAL). */
bool eng_check_deadline(const char *call, const struct timespec *ts, clockid_t clock, void *site);

/* The student's mmap returned addr for len bytes with these flags (at
 * site), or it unmapped [addr, addr+len): pshared.c keeps its MAP_SHARED
 * regions, where a process-private mutex is a misuse once two processes
 * use it. Before engine_init: ignored. */
void pshared_mapped(void *addr, size_t len, int flags, void *site);
void pshared_unmapped(void *addr, size_t len);

/* The calling thread (if the engine knows it) waits for the judge's next
 * call (on) or got one (off): blocked, as far as interleaving goes. */
void eng_idle(bool on);

/* True when every other thread of the code under test that the engine
 * knows is blocked (in a wait, a join, a sleep, or idle between calls). */
bool eng_others_asleep(void);

/* A thread of the code under test starts (call first thing on it). */
void eng_thread_start(void);
/* For the timeline (timeline.h): the caller created a thread at `site`;
 * the calling thread, just started, runs `fn`. */
void eng_timeline_create(void *site);
void eng_timeline_start(void *fn);
/* Writes a "timeline" record: the last synchronisation events of every
 * thread, merged in order (timeline.h). */
void engine_report_timeline(void);
/* Memory [p, p+n) is being freed (at `site`): forget the mutexes that lived
 * there (a misuse if one is still locked). */
void eng_forget_range(const void *p, size_t n, void *site);
/* While on, each time the calling thread unlocks, it waits (briefly) until
 * another thread has completed a critical section or every other thread is
 * blocked: it widens the gaps between the caller's critical sections. */
void eng_interleave(bool on);

#endif
