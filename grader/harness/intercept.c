/* intercept.c - wrappers for the pthread calls of the student's code.
 *
 * Counts the threads the student's code starts and that are still running
 * (a thread-specific key's destructor sees every exit, by return or by
 * pthread_exit), and injects creation failures on demand so a test can check
 * what a submission does when pthread_create fails part-way (at once, or
 * once the threads started before are asleep). Its sync calls (mutexes,
 * condition variables, joins, sleeps) and free() go to the concurrency
 * engine (engine.h) with the student's call site; creations, joins and
 * detaches also go to callcheck.h, which checks what each API call left.
 */
#include "intercept.h"
#include "intercept_ucontext.h"
#include "callcheck.h"
#include "engine_int.h"
#include "remote.h"
#include "vclock.h"

#include <errno.h>
#include <malloc.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

typedef struct start_info {
    void *(*fn)(void *);
    void *arg;
    uint64_t call;        /* the API call it belongs to (callcheck.h) */
    atomic_bool recorded; /* its creator has told callcheck about it */
} start_info;

static atomic_int live_threads;
static atomic_int created_threads;
static atomic_int fail_countdown = -1; /* -1: disarmed */
static atomic_int fail_errno;
static atomic_bool fail_after_asleep; /* the failing call first waits for the others to sleep */
static atomic_int starting_threads;   /* created, not yet known to the engine */
static pthread_key_t exit_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

/* The book of the threads' CPU time (remote_threads_cpu_read). */
static atomic_flag cpu_lock = ATOMIC_FLAG_INIT;
static remote_threads_cpu cpu_book;

static void cpu_note(uint64_t us)
{
    while (atomic_flag_test_and_set_explicit(&cpu_lock, memory_order_acquire))
        ;
    if (cpu_book.ended == 0 || us < cpu_book.cpu_us_min)
        cpu_book.cpu_us_min = us;
    if (us > cpu_book.cpu_us_max)
        cpu_book.cpu_us_max = us;
    cpu_book.cpu_us_total += us;
    cpu_book.ended++;
    atomic_flag_clear_explicit(&cpu_lock, memory_order_release);
}

remote_threads_cpu remote_threads_cpu_read(bool reset)
{
    while (atomic_flag_test_and_set_explicit(&cpu_lock, memory_order_acquire))
        ;
    remote_threads_cpu b = cpu_book;
    if (reset)
        memset(&cpu_book, 0, sizeof cpu_book);
    atomic_flag_clear_explicit(&cpu_lock, memory_order_release);
    return b;
}

static uint64_t thread_cpu_us(void)
{
    struct timespec cpu;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu) != 0)
        return 0;
    return (uint64_t)cpu.tv_sec * 1000000u + (uint64_t)cpu.tv_nsec / 1000u;
}

/* The thread's CPU time when its function started: what the grader's own
 * start-up cost (a wait for its creator, under load) is not counted. */
static _Thread_local uint64_t cpu_at_start;

static void on_thread_exit(void *unused)
{
    (void)unused;
    cpu_note(thread_cpu_us() - cpu_at_start);
    atomic_fetch_sub(&live_threads, 1);
}

static void make_key(void)
{
    pthread_key_create(&exit_key, on_thread_exit);
}

static void *trampoline(void *p)
{
    start_info *si = p;
    callcheck_adopt(si->call, &si->recorded);
    void *(*fn)(void *) = si->fn;
    void *arg = si->arg;
    free(si);
    /* Any non-NULL value: the destructor runs when this thread ends. */
    pthread_setspecific(exit_key, (void *)1);
    eng_thread_start();
    atomic_fetch_sub(&starting_threads, 1);
    eng_timeline_start((void *)fn);
    cpu_at_start = thread_cpu_us();
    return fn(arg);
}

/* The errno this call must fail with, or 0. Counts down the calls to let
 * through; at zero every later call fails too, as when a system runs out of
 * threads, until a test disarms it. */
static int injected_failure(void)
{
    int left = atomic_load(&fail_countdown);
    while (left > 0) {
        if (atomic_compare_exchange_weak(&fail_countdown, &left, left - 1))
            return 0;
    }
    return left == 0 ? atomic_load(&fail_errno) : 0;
}

/* The failure that strikes after the first threads have gone to sleep: waits
 * (a bounded time) until every thread the student's code started has reached
 * the engine and every thread but the caller is blocked, as when a system
 * runs out of threads half-way through, while the first ones wait for the
 * rest. Only the first failing call waits. */
#define ASLEEP_MAX_MS 500
static void wait_for_sleepers(void)
{
    if (!atomic_exchange(&fail_after_asleep, false) || !engine_ready())
        return;
    struct timespec tick = { 0, 1000000 };
    for (int ms = 0; ms < ASLEEP_MAX_MS; ms++) {
        if (atomic_load(&starting_threads) == 0 && eng_others_asleep())
            return;
        nanosleep(&tick, NULL);
    }
}

int grader_pthread_create(pthread_t *t, const pthread_attr_t *attr,
                          void *(*fn)(void *), void *arg)
{
    /* Hidden: a once orders its first caller before all later ones. */
    eng_hide_begin();
    pthread_once(&key_once, make_key);
    eng_hide_end();
    int err = injected_failure();
    if (err) {
        wait_for_sleepers();
        return err;
    }
    start_info *si = malloc(sizeof *si);
    if (!si)
        return EAGAIN;
    si->fn = fn;
    si->arg = arg;
    si->call = callcheck_current();
    atomic_init(&si->recorded, false);
    uint64_t call = si->call;
    atomic_fetch_add(&live_threads, 1);
    atomic_fetch_add(&starting_threads, 1);
    err = pthread_create(t, attr, trampoline, si);
    if (err) {
        atomic_fetch_sub(&starting_threads, 1);
        atomic_fetch_sub(&live_threads, 1);
        free(si);
        return err;
    }
    int detach = PTHREAD_CREATE_JOINABLE;
    if (attr)
        pthread_attr_getdetachstate(attr, &detach);
    /* si is the new thread's from here on. */
    callcheck_started(*t, call, detach == PTHREAD_CREATE_DETACHED, __builtin_return_address(0),
                      &si->recorded);
    atomic_fetch_add(&created_threads, 1);
    eng_timeline_create(__builtin_return_address(0));
    return 0;
}

int intercept_live_threads(void) { return atomic_load(&live_threads); }
int intercept_threads_created(void) { return atomic_load(&created_threads); }

void intercept_fail_create(int n, int err, bool after_asleep)
{
    atomic_store(&fail_errno, err);
    atomic_store(&fail_after_asleep, after_asleep && n >= 0);
    atomic_store(&fail_countdown, n < 0 ? -1 : n);
}

void intercept_reset(void)
{
    intercept_fail_create(-1, 0, false);
    atomic_store(&created_threads, 0);
}

/* ---- the engine's front end ----------------------------------------------- */

static int real_usleep(unsigned us) { return usleep(us); }

static const engine_real real_calls = {
    .mutex_lock = pthread_mutex_lock,
    .mutex_trylock = pthread_mutex_trylock,
    .mutex_timedlock = pthread_mutex_timedlock,
    .mutex_unlock = pthread_mutex_unlock,
    .mutex_init = pthread_mutex_init,
    .mutex_destroy = pthread_mutex_destroy,
    .cond_wait = pthread_cond_wait,
    .cond_timedwait = pthread_cond_timedwait,
    .cond_signal = pthread_cond_signal,
    .cond_broadcast = pthread_cond_broadcast,
    .cond_destroy = pthread_cond_destroy,
    .join = pthread_join,
    .rwlock_rdlock = pthread_rwlock_rdlock,
    .rwlock_wrlock = pthread_rwlock_wrlock,
    .rwlock_unlock = pthread_rwlock_unlock,
    .rwlock_tryrdlock = pthread_rwlock_tryrdlock,
    .rwlock_trywrlock = pthread_rwlock_trywrlock,
    .rwlock_timedrdlock = pthread_rwlock_timedrdlock,
    .rwlock_timedwrlock = pthread_rwlock_timedwrlock,
    .rwlock_init = pthread_rwlock_init,
    .rwlock_destroy = pthread_rwlock_destroy,
    .spin_lock = pthread_spin_lock,
    .spin_trylock = pthread_spin_trylock,
    .spin_unlock = pthread_spin_unlock,
    .barrier_wait = pthread_barrier_wait,
    .sched_yield = sched_yield,
    .nanosleep = nanosleep,
    .usleep = real_usleep,
    .sem_wait = sem_wait,
    .sem_trywait = sem_trywait,
    .sem_timedwait = sem_timedwait,
    .sem_post = sem_post,
    .sem_init = sem_init,
    .sem_destroy = sem_destroy,
};

void intercept_engine_start(uint64_t seed, const char *category, unsigned stall_ms,
                            bool no_recursive_mutex)
{
    bool timing = category && strcmp(category, "timing") == 0;
    engine_config cfg = {
        .seed = seed,
        .noise = timing ? NOISE_OFF : NOISE_FULL,
        .spurious_wakeups = true,
        .stall_ms = stall_ms,
        .exit_on_deadlock = true,
        /* The subject's main thread only reads the control channel: were it
         * one of the run's threads, never blocked, harness_interleave would
         * never see "every other thread is blocked". */
        .caller_runs_no_code = true,
        .no_recursive_mutex = no_recursive_mutex,
    };
    engine_init(&real_calls, &cfg, harness_chan_record);
    vclock_watch_starting(&starting_threads); /* the clock waits for new threads */
}

void intercept_interleave(bool on)
{
    if (engine_ready())
        eng_interleave(on);
}

#define SITE __builtin_return_address(0)
#define ENGINE_OR(real_call) \
    if (!engine_ready())     \
    return real_call

int grader_pthread_join(pthread_t t, void **ret)
{
    ENGINE_OR(pthread_join(t, ret));
    int rc = eng_join(t, ret, SITE);
    if (rc == 0)
        callcheck_joined(t);
    return rc;
}

int grader_pthread_detach(pthread_t t)
{
    ENGINE_OR(pthread_detach(t));
    int rc = pthread_detach(t);
    if (rc == 0)
        callcheck_detached(t, SITE);
    return rc;
}

int grader_pthread_mutex_lock(pthread_mutex_t *m)
{
    ENGINE_OR(pthread_mutex_lock(m));
    return eng_mutex_lock(m, SITE);
}

int grader_pthread_mutex_trylock(pthread_mutex_t *m)
{
    ENGINE_OR(pthread_mutex_trylock(m));
    return eng_mutex_trylock(m, SITE);
}

int grader_pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *ts)
{
    ENGINE_OR(pthread_mutex_timedlock(m, ts));
    return eng_mutex_timedlock(m, ts, SITE);
}

int grader_pthread_mutex_unlock(pthread_mutex_t *m)
{
    ENGINE_OR(pthread_mutex_unlock(m));
    return eng_mutex_unlock(m, SITE);
}

int grader_pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a)
{
    ENGINE_OR(pthread_mutex_init(m, a));
    return eng_mutex_init(m, a, SITE);
}

int grader_pthread_mutex_destroy(pthread_mutex_t *m)
{
    ENGINE_OR(pthread_mutex_destroy(m));
    return eng_mutex_destroy(m, SITE);
}

int grader_pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    ENGINE_OR(pthread_cond_wait(c, m));
    return eng_cond_wait(c, m, SITE);
}

int grader_pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *ts)
{
    ENGINE_OR(pthread_cond_timedwait(c, m, ts));
    return eng_cond_timedwait(c, m, ts, SITE);
}

int grader_pthread_cond_signal(pthread_cond_t *c)
{
    ENGINE_OR(pthread_cond_signal(c));
    return eng_cond_signal(c, SITE);
}

int grader_pthread_cond_broadcast(pthread_cond_t *c)
{
    ENGINE_OR(pthread_cond_broadcast(c));
    return eng_cond_broadcast(c, SITE);
}

int grader_pthread_cond_destroy(pthread_cond_t *c)
{
    ENGINE_OR(pthread_cond_destroy(c));
    return eng_cond_destroy(c, SITE);
}

int grader_pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
    ENGINE_OR(pthread_rwlock_rdlock(l));
    return eng_rwlock_rdlock(l, SITE);
}

int grader_pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
    ENGINE_OR(pthread_rwlock_wrlock(l));
    return eng_rwlock_wrlock(l, SITE);
}

int grader_pthread_rwlock_unlock(pthread_rwlock_t *l)
{
    ENGINE_OR(pthread_rwlock_unlock(l));
    return eng_rwlock_unlock(l, SITE);
}

int grader_pthread_rwlock_tryrdlock(pthread_rwlock_t *l)
{
    ENGINE_OR(pthread_rwlock_tryrdlock(l));
    return eng_rwlock_tryrdlock(l, SITE);
}

int grader_pthread_rwlock_trywrlock(pthread_rwlock_t *l)
{
    ENGINE_OR(pthread_rwlock_trywrlock(l));
    return eng_rwlock_trywrlock(l, SITE);
}

int grader_pthread_rwlock_timedrdlock(pthread_rwlock_t *l, const struct timespec *ts)
{
    ENGINE_OR(pthread_rwlock_timedrdlock(l, ts));
    return eng_rwlock_timedrdlock(l, ts, SITE);
}

int grader_pthread_rwlock_timedwrlock(pthread_rwlock_t *l, const struct timespec *ts)
{
    ENGINE_OR(pthread_rwlock_timedwrlock(l, ts));
    return eng_rwlock_timedwrlock(l, ts, SITE);
}

int grader_pthread_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *a)
{
    ENGINE_OR(pthread_rwlock_init(l, a));
    return eng_rwlock_init(l, a);
}

int grader_pthread_rwlock_destroy(pthread_rwlock_t *l)
{
    ENGINE_OR(pthread_rwlock_destroy(l));
    return eng_rwlock_destroy(l);
}

int grader_pthread_spin_lock(pthread_spinlock_t *l)
{
    ENGINE_OR(pthread_spin_lock(l));
    return eng_spin_lock(l, SITE);
}

int grader_pthread_spin_trylock(pthread_spinlock_t *l)
{
    ENGINE_OR(pthread_spin_trylock(l));
    return eng_spin_trylock(l, SITE);
}

int grader_pthread_spin_unlock(pthread_spinlock_t *l)
{
    ENGINE_OR(pthread_spin_unlock(l));
    return eng_spin_unlock(l, SITE);
}

int grader_pthread_barrier_wait(pthread_barrier_t *b)
{
    ENGINE_OR(pthread_barrier_wait(b));
    return eng_barrier_wait(b, SITE);
}

int grader_sched_yield(void)
{
    ENGINE_OR(sched_yield());
    return eng_sched_yield(SITE);
}

int grader_nanosleep(const struct timespec *req, struct timespec *rem)
{
    ENGINE_OR(nanosleep(req, rem));
    if (vclock_active())
        return vclock_nanosleep(req, rem, SITE);
    return eng_nanosleep(req, rem, SITE);
}

int grader_usleep(unsigned us)
{
    ENGINE_OR(usleep(us));
    if (vclock_active()) {
        vclock_sleep_ns((uint64_t)us * 1000u, SITE);
        return 0;
    }
    return eng_usleep(us, SITE);
}

/* POSIX semaphores: whether a lesson allows them is its lesson.json's
 * "forbidden" list, checked before the calls are renamed to these. */
int grader_sem_wait(sem_t *s)
{
    ENGINE_OR(sem_wait(s));
    return eng_sem_wait(s, SITE);
}

int grader_sem_trywait(sem_t *s)
{
    ENGINE_OR(sem_trywait(s));
    return eng_sem_trywait(s, SITE);
}

int grader_sem_timedwait(sem_t *s, const struct timespec *ts)
{
    ENGINE_OR(sem_timedwait(s, ts));
    return eng_sem_timedwait(s, ts, SITE);
}

/* The waits that take their clock (glibc 2.30): the engine's timed waits,
 * with the deadline moved onto the clock those use. */
int grader_pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clock,
                                  const struct timespec *ts)
{
    ENGINE_OR(pthread_cond_clockwait(c, m, clock, ts));
    return eng_cond_clockwait(c, m, clock, ts, SITE);
}

int grader_sem_clockwait(sem_t *s, clockid_t clock, const struct timespec *ts)
{
    ENGINE_OR(sem_clockwait(s, clock, ts));
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC) {
        errno = EINVAL;
        return -1;
    }
    struct timespec moved;
    return eng_sem_timedwait(s, eng_move_deadline(ts, clock, CLOCK_REALTIME, &moved), SITE);
}

int grader_pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t clock, const struct timespec *ts)
{
    ENGINE_OR(pthread_mutex_clocklock(m, clock, ts));
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
        return EINVAL;
    struct timespec moved;
    return eng_mutex_timedlock(m, eng_move_deadline(ts, clock, CLOCK_REALTIME, &moved), SITE);
}

int grader_sem_post(sem_t *s)
{
    ENGINE_OR(sem_post(s));
    return eng_sem_post(s, SITE);
}

int grader_sem_init(sem_t *s, int pshared, unsigned value)
{
    ENGINE_OR(sem_init(s, pshared, value));
    return eng_sem_init(s, pshared, value);
}

int grader_sem_destroy(sem_t *s)
{
    ENGINE_OR(sem_destroy(s));
    return eng_sem_destroy(s);
}

/* mmap and munmap: the engine keeps the student's MAP_SHARED regions
 * (pshared.c: a process-private mutex there is a misuse once two processes
 * use it); intercept_ucontext.c forgets the task stacks unmapped. */
void *grader_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    void *p = mmap(addr, len, prot, flags, fd, off);
    pshared_mapped(p, len, flags, SITE);
    return p;
}

int grader_munmap(void *addr, size_t len)
{
    ucontext_forget_range(addr, len); /* a task stack unmapped: never read again */
    int rc = munmap(addr, len);
    if (rc == 0)
        pshared_unmapped(addr, len);
    return rc;
}

/* remote.h's remote_watch_free: a lesson's test_remote.c sees each free()
 * of the student's code before it happens (lesson 14 counts the frees of
 * the documents its fetch handed out). */
static void (*_Atomic free_watch)(void *p);
void remote_watch_free(void (*watch)(void *p)) { atomic_store(&free_watch, watch); }

void grader_free(void *p)
{
    void (*watch)(void *) = atomic_load_explicit(&free_watch, memory_order_relaxed);
    if (p && watch)
        watch(p);
    if (p && engine_ready())
        eng_forget_range(p, malloc_usable_size(p), SITE);
    if (p)
        ucontext_forget_range(p, malloc_usable_size(p)); /* a task stack freed */
    free(p);
}

/* remote.h's remote_threads_unjoined_max: the most of the student's threads
 * started and not yet joined at once (callcheck.h keeps the book). */
int remote_threads_unjoined_max(bool reset) { return callcheck_unjoined_max(reset); }

void intercept_idle(bool on) { eng_idle(on); }
