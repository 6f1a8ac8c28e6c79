/* preload.c - the engine's second front end: an LD_PRELOAD library for
 * `grader stress`, so any dynamically linked pthread program gets the same
 * schedule noise, spurious wake-ups, deadlock and lock-order checks and hang
 * reports as the student's code does in the test binaries.
 *
 * It defines the pthread functions themselves and calls the real ones through
 * dlsym(RTLD_NEXT). Settings come from the environment (set by `grader
 * stress`): GRADER_ENGINE_FD (where records go; without it the library only
 * passes calls through), GRADER_SEED, GRADER_STALL_MS, GRADER_VIRTUAL_TIME
 * (1: the program runs in virtual time, vclock.h), GRADER_NO_RECURSIVE_MUTEX
 * (set: locking a recursive mutex is a misuse). Everything but the
 * wrappers is hidden (-fvisibility=hidden), so the engine's names never clash
 * with the program's.
 */
#include "engine.h"
#include "vclock.h"

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))
#define SITE __builtin_return_address(0)

void preload_crash_install(void); /* preload_crash.c */

static engine_real R;
/* The real clock calls (vclock.h: the program's go through the wrappers below). */
static int (*real_clock_gettime)(clockid_t, struct timespec *);
static int (*real_clock_nanosleep)(clockid_t, int, const struct timespec *, struct timespec *);
static time_t (*real_time)(time_t *);
static int (*real_gettimeofday)(struct timeval *, void *);
static unsigned (*real_sleep)(unsigned);
static int (*real_timespec_get)(struct timespec *, int);
static int (*real_poll)(struct pollfd *, nfds_t, int);
/* The waits that name their clock: passed through before the engine starts. */
static int (*real_cond_clockwait)(pthread_cond_t *, pthread_mutex_t *, clockid_t,
                                  const struct timespec *);
static int (*real_sem_clockwait)(sem_t *, clockid_t, const struct timespec *);
static int (*real_mutex_clocklock)(pthread_mutex_t *, clockid_t, const struct timespec *);
static void (*real_free)(void *); /* the next free: glibc's, or an allocator's */
static int record_fd = -1;

static void write_all(const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(record_fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        buf += n;
        len -= (size_t)n;
    }
}

static void report(const char *kind, const char *text)
{
    char line[4096];
    size_t k = strlen(kind), t = strlen(text);
    if (k + t + 2 > sizeof line)
        t = sizeof line - k - 2;
    memcpy(line, kind, k);
    line[k] = ' ';
    memcpy(line + k + 1, text, t);
    for (size_t i = k + 1; i < k + 1 + t; i++)
        if (line[i] == '\n')
            line[i] = ' ';
    line[k + 1 + t] = '\n';
    write_all(line, k + t + 2);
}

#define REAL(field, name) R.field = (__typeof__(R.field))dlsym(RTLD_NEXT, name)

static void resolve(void)
{
    if (R.mutex_lock)
        return;
    REAL(mutex_trylock, "pthread_mutex_trylock");
    REAL(mutex_timedlock, "pthread_mutex_timedlock");
    REAL(mutex_unlock, "pthread_mutex_unlock");
    REAL(mutex_init, "pthread_mutex_init");
    REAL(mutex_destroy, "pthread_mutex_destroy");
    REAL(cond_wait, "pthread_cond_wait");
    REAL(cond_timedwait, "pthread_cond_timedwait");
    REAL(cond_signal, "pthread_cond_signal");
    REAL(cond_broadcast, "pthread_cond_broadcast");
    REAL(cond_destroy, "pthread_cond_destroy");
    REAL(join, "pthread_join");
    REAL(rwlock_rdlock, "pthread_rwlock_rdlock");
    REAL(rwlock_wrlock, "pthread_rwlock_wrlock");
    REAL(rwlock_unlock, "pthread_rwlock_unlock");
    REAL(rwlock_tryrdlock, "pthread_rwlock_tryrdlock");
    REAL(rwlock_trywrlock, "pthread_rwlock_trywrlock");
    REAL(rwlock_timedrdlock, "pthread_rwlock_timedrdlock");
    REAL(rwlock_timedwrlock, "pthread_rwlock_timedwrlock");
    REAL(rwlock_init, "pthread_rwlock_init");
    REAL(rwlock_destroy, "pthread_rwlock_destroy");
    REAL(spin_lock, "pthread_spin_lock");
    REAL(spin_trylock, "pthread_spin_trylock");
    REAL(spin_unlock, "pthread_spin_unlock");
    REAL(barrier_wait, "pthread_barrier_wait");
    REAL(sched_yield, "sched_yield");
    REAL(nanosleep, "nanosleep");
    REAL(usleep, "usleep");
    REAL(sem_wait, "sem_wait");
    REAL(sem_trywait, "sem_trywait");
    REAL(sem_timedwait, "sem_timedwait");
    REAL(sem_post, "sem_post");
    REAL(sem_init, "sem_init");
    REAL(sem_destroy, "sem_destroy");
    real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
    real_clock_gettime = (__typeof__(real_clock_gettime))dlsym(RTLD_NEXT, "clock_gettime");
    real_clock_nanosleep = (__typeof__(real_clock_nanosleep))dlsym(RTLD_NEXT, "clock_nanosleep");
    real_time = (__typeof__(real_time))dlsym(RTLD_NEXT, "time");
    real_gettimeofday = (__typeof__(real_gettimeofday))dlsym(RTLD_NEXT, "gettimeofday");
    real_sleep = (__typeof__(real_sleep))dlsym(RTLD_NEXT, "sleep");
    real_timespec_get = (__typeof__(real_timespec_get))dlsym(RTLD_NEXT, "timespec_get");
    real_poll = (__typeof__(real_poll))dlsym(RTLD_NEXT, "poll");
    real_cond_clockwait = (__typeof__(real_cond_clockwait))dlsym(RTLD_NEXT, "pthread_cond_clockwait");
    real_sem_clockwait = (__typeof__(real_sem_clockwait))dlsym(RTLD_NEXT, "sem_clockwait");
    real_mutex_clocklock = (__typeof__(real_mutex_clocklock))dlsym(RTLD_NEXT,
                                                                   "pthread_mutex_clocklock");
    vclock_set_real(real_clock_gettime, real_clock_nanosleep);
    REAL(mutex_lock, "pthread_mutex_lock"); /* last: the "resolved" flag */
}

__attribute__((constructor)) static void preload_init(void)
{
    resolve();
    const char *fd = getenv("GRADER_ENGINE_FD");
    if (!fd || !*fd)
        return;
    record_fd = atoi(fd);
    const char *seed = getenv("GRADER_SEED"), *stall = getenv("GRADER_STALL_MS");
    engine_config cfg = {
        .seed = seed ? strtoull(seed, NULL, 10) : 0,
        .noise = NOISE_FULL,
        .spurious_wakeups = true,
        .stall_ms = stall ? (unsigned)strtoul(stall, NULL, 10) : 1000,
        .exit_on_deadlock = true,
        .no_recursive_mutex = getenv("GRADER_NO_RECURSIVE_MUTEX") != NULL,
    };
    engine_init(&R, &cfg, report);
    const char *vt = getenv("GRADER_VIRTUAL_TIME");
    if (vt && strcmp(vt, "1") == 0) {
        /* No pthread_create wrapper here: the clock counts the process's
         * threads instead (its own: the ticker, and the watchdog if any). */
        vclock_count_tasks(cfg.stall_ms ? 2 : 1);
        vclock_enable(true);
    }
    preload_crash_install();
}

/* Before the engine runs (other constructors) or without it: the real call. */
#define ENGINE_OR(call)     \
    resolve();              \
    if (!engine_ready())    \
    return R.call

EXPORT int pthread_mutex_lock(pthread_mutex_t *m)
{
    ENGINE_OR(mutex_lock(m));
    return eng_mutex_lock(m, SITE);
}

EXPORT int pthread_mutex_trylock(pthread_mutex_t *m)
{
    ENGINE_OR(mutex_trylock(m));
    return eng_mutex_trylock(m, SITE);
}

EXPORT int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *ts)
{
    ENGINE_OR(mutex_timedlock(m, ts));
    return eng_mutex_timedlock(m, ts, SITE);
}

EXPORT int pthread_mutex_unlock(pthread_mutex_t *m)
{
    ENGINE_OR(mutex_unlock(m));
    return eng_mutex_unlock(m, SITE);
}

EXPORT int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a)
{
    ENGINE_OR(mutex_init(m, a));
    return eng_mutex_init(m, a, SITE);
}

EXPORT int pthread_mutex_destroy(pthread_mutex_t *m)
{
    ENGINE_OR(mutex_destroy(m));
    return eng_mutex_destroy(m, SITE);
}

EXPORT int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    ENGINE_OR(cond_wait(c, m));
    return eng_cond_wait(c, m, SITE);
}

EXPORT int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *ts)
{
    ENGINE_OR(cond_timedwait(c, m, ts));
    return eng_cond_timedwait(c, m, ts, SITE);
}

EXPORT int pthread_cond_signal(pthread_cond_t *c)
{
    ENGINE_OR(cond_signal(c));
    return eng_cond_signal(c, SITE);
}

EXPORT int pthread_cond_broadcast(pthread_cond_t *c)
{
    ENGINE_OR(cond_broadcast(c));
    return eng_cond_broadcast(c, SITE);
}

EXPORT int pthread_cond_destroy(pthread_cond_t *c)
{
    ENGINE_OR(cond_destroy(c));
    return eng_cond_destroy(c, SITE);
}

EXPORT int pthread_join(pthread_t t, void **ret)
{
    ENGINE_OR(join(t, ret));
    return eng_join(t, ret, SITE);
}

EXPORT int pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
    ENGINE_OR(rwlock_rdlock(l));
    return eng_rwlock_rdlock(l, SITE);
}

EXPORT int pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
    ENGINE_OR(rwlock_wrlock(l));
    return eng_rwlock_wrlock(l, SITE);
}

EXPORT int pthread_rwlock_unlock(pthread_rwlock_t *l)
{
    ENGINE_OR(rwlock_unlock(l));
    return eng_rwlock_unlock(l, SITE);
}

EXPORT int pthread_rwlock_tryrdlock(pthread_rwlock_t *l)
{
    ENGINE_OR(rwlock_tryrdlock(l));
    return eng_rwlock_tryrdlock(l, SITE);
}

EXPORT int pthread_rwlock_trywrlock(pthread_rwlock_t *l)
{
    ENGINE_OR(rwlock_trywrlock(l));
    return eng_rwlock_trywrlock(l, SITE);
}

EXPORT int pthread_rwlock_timedrdlock(pthread_rwlock_t *l, const struct timespec *ts)
{
    ENGINE_OR(rwlock_timedrdlock(l, ts));
    return eng_rwlock_timedrdlock(l, ts, SITE);
}

EXPORT int pthread_rwlock_timedwrlock(pthread_rwlock_t *l, const struct timespec *ts)
{
    ENGINE_OR(rwlock_timedwrlock(l, ts));
    return eng_rwlock_timedwrlock(l, ts, SITE);
}

EXPORT int pthread_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *a)
{
    ENGINE_OR(rwlock_init(l, a));
    return eng_rwlock_init(l, a);
}

EXPORT int pthread_rwlock_destroy(pthread_rwlock_t *l)
{
    ENGINE_OR(rwlock_destroy(l));
    return eng_rwlock_destroy(l);
}

EXPORT int pthread_spin_lock(pthread_spinlock_t *l)
{
    ENGINE_OR(spin_lock(l));
    return eng_spin_lock(l, SITE);
}

EXPORT int pthread_spin_trylock(pthread_spinlock_t *l)
{
    ENGINE_OR(spin_trylock(l));
    return eng_spin_trylock(l, SITE);
}

EXPORT int pthread_spin_unlock(pthread_spinlock_t *l)
{
    ENGINE_OR(spin_unlock(l));
    return eng_spin_unlock(l, SITE);
}

EXPORT int pthread_barrier_wait(pthread_barrier_t *b)
{
    ENGINE_OR(barrier_wait(b));
    return eng_barrier_wait(b, SITE);
}

EXPORT int sched_yield(void)
{
    ENGINE_OR(sched_yield());
    return eng_sched_yield(SITE);
}

EXPORT int nanosleep(const struct timespec *req, struct timespec *rem)
{
    ENGINE_OR(nanosleep(req, rem));
    if (vclock_active())
        return vclock_nanosleep(req, rem, SITE);
    return eng_nanosleep(req, rem, SITE);
}

EXPORT int usleep(useconds_t us)
{
    ENGINE_OR(usleep(us));
    if (vclock_active()) {
        vclock_sleep_ns((uint64_t)us * 1000u, SITE);
        return 0;
    }
    return eng_usleep(us, SITE);
}

/* ---- clocks: real, or virtual under GRADER_VIRTUAL_TIME (vclock.h) ---------- */

EXPORT int clock_gettime(clockid_t clock, struct timespec *ts)
{
    resolve();
    if (!vclock_active())
        return real_clock_gettime(clock, ts);
    return vclock_gettime(clock, ts);
}

EXPORT time_t time(time_t *out)
{
    resolve();
    if (!vclock_active())
        return real_time(out);
    struct timespec ts;
    vclock_gettime(CLOCK_REALTIME, &ts);
    if (out)
        *out = ts.tv_sec;
    return ts.tv_sec;
}

EXPORT int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    resolve();
    if (!vclock_active())
        return real_gettimeofday(tv, tz);
    struct timespec ts;
    vclock_gettime(CLOCK_REALTIME, &ts);
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = ts.tv_nsec / 1000;
    return 0;
}

/* Without descriptors, a sleep (virtual); with them, real. */
EXPORT int poll(struct pollfd *fds, nfds_t nfds, int timeout_ms)
{
    resolve();
    if (!vclock_active() || nfds != 0 || timeout_ms < 0)
        return real_poll(fds, nfds, timeout_ms);
    vclock_sleep_ns((uint64_t)timeout_ms * 1000000u, SITE);
    return 0;
}

EXPORT int timespec_get(struct timespec *ts, int base)
{
    resolve();
    if (!vclock_active() || base != TIME_UTC)
        return real_timespec_get(ts, base);
    vclock_gettime(CLOCK_REALTIME, ts);
    return base;
}

EXPORT int clock_nanosleep(clockid_t clock, int flags, const struct timespec *req,
                           struct timespec *rem)
{
    resolve();
    if (!vclock_active())
        return real_clock_nanosleep(clock, flags, req, rem);
    return vclock_clock_nanosleep(clock, flags, req, rem, SITE);
}

EXPORT unsigned sleep(unsigned seconds)
{
    resolve();
    if (!vclock_active())
        return real_sleep(seconds);
    vclock_sleep_ns((uint64_t)seconds * 1000000000u, SITE);
    return 0;
}

EXPORT int sem_wait(sem_t *s)
{
    ENGINE_OR(sem_wait(s));
    return eng_sem_wait(s, SITE);
}

EXPORT int sem_trywait(sem_t *s)
{
    ENGINE_OR(sem_trywait(s));
    return eng_sem_trywait(s, SITE);
}

EXPORT int sem_timedwait(sem_t *s, const struct timespec *ts)
{
    ENGINE_OR(sem_timedwait(s, ts));
    return eng_sem_timedwait(s, ts, SITE);
}

EXPORT int sem_post(sem_t *s)
{
    ENGINE_OR(sem_post(s));
    return eng_sem_post(s, SITE);
}

EXPORT int sem_init(sem_t *s, int pshared, unsigned value)
{
    ENGINE_OR(sem_init(s, pshared, value));
    return eng_sem_init(s, pshared, value);
}

EXPORT int sem_destroy(sem_t *s)
{
    ENGINE_OR(sem_destroy(s));
    return eng_sem_destroy(s);
}

/* The waits that name their clock (glibc 2.30): the engine's timed waits
 * with the deadline moved onto the clock those use (engine.h). */
EXPORT int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clock,
                                  const struct timespec *ts)
{
    resolve();
    if (!engine_ready())
        return real_cond_clockwait(c, m, clock, ts);
    return eng_cond_clockwait(c, m, clock, ts, SITE);
}

EXPORT int sem_clockwait(sem_t *s, clockid_t clock, const struct timespec *ts)
{
    resolve();
    if (!engine_ready())
        return real_sem_clockwait(s, clock, ts);
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC) {
        errno = EINVAL;
        return -1;
    }
    struct timespec moved;
    return eng_sem_timedwait(s, eng_move_deadline(ts, clock, CLOCK_REALTIME, &moved), SITE);
}

EXPORT int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t clock, const struct timespec *ts)
{
    resolve();
    if (!engine_ready())
        return real_mutex_clocklock(m, clock, ts);
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
        return EINVAL;
    struct timespec moved;
    return eng_mutex_timedlock(m, eng_move_deadline(ts, clock, CLOCK_REALTIME, &moved), SITE);
}

/* mmap, munmap: the program's MAP_SHARED regions (pshared.c). glibc's own
 * entry points, which dlsym does not need. */
extern void *__mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
extern int __munmap(void *addr, size_t len);

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    void *p = __mmap(addr, len, prot, flags, fd, off);
    pshared_mapped(p, len, flags, SITE);
    return p;
}

EXPORT int munmap(void *addr, size_t len)
{
    int rc = __munmap(addr, len);
    if (rc == 0)
        pshared_unmapped(addr, len);
    return rc;
}

/* free: memory that still holds a locked mutex is a misuse. The next free
 * (glibc's, or a preloaded allocator's) once resolved; before that (frees
 * inside dlsym itself) glibc's own __libc_free. */
extern void __libc_free(void *p);

EXPORT void free(void *p)
{
    if (p && engine_ready())
        eng_forget_range(p, malloc_usable_size(p), SITE);
    if (real_free)
        real_free(p);
    else
        __libc_free(p);
}
