/* c11threads.c - C11 <threads.h> for the code under test, on the engine's
 * pthread path.
 *
 * Why it exists: glibc builds thrd_*, mtx_*, cnd_*, tss_* and call_once on
 * its internal pthread functions, which no interposer sees. Without this file
 * the engine would not see C11 code at all (no noise, no lock order, no wait
 * report), and ThreadSanitizer (GCC 12 has no C11 interceptors) would report
 * races in correctly locked code and crash in thrd_create. Here each C11 call
 * becomes the pthread call glibc makes, through the engine when it runs (with
 * the student's call site) and otherwise through the public pthread function
 * (which, in the TSan flavour, is TSan's interceptor).
 *
 * glibc's mtx_t and cnd_t are pthread_mutex_t and pthread_cond_t under
 * another name (same size and layout; glibc's own mtx_lock casts the pointer),
 * thrd_t is pthread_t, tss_t is pthread_key_t and once_flag is a
 * pthread_once_t: pointers are cast, never copied. Return codes are mapped
 * the way glibc maps them (thrd_err_map): 0 thrd_success, ENOMEM thrd_nomem,
 * ETIMEDOUT thrd_timedout, EBUSY thrd_busy, anything else thrd_error.
 *
 * Two front ends compile this file:
 * - the test binaries (intercept.c): objcopy renames the student's thrd_create
 *   to grader_thrd_create (intercept.syms), so each function is C11_FN(name)
 *   = grader_name, and threads start through grader_pthread_create (counted,
 *   creation failures injected);
 * - `grader stress` (preload.c, built with -DGRADER_PRELOAD): the functions
 *   take the C11 names themselves and are exported from the LD_PRELOAD
 *   library, and threads start through the real pthread_create.
 */
#include "engine.h"
#include "vclock.h"
#ifndef GRADER_PRELOAD
#include "callcheck.h"
#include "intercept.h"
#endif

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>

#ifdef GRADER_PRELOAD
/* Everything in this file is exported (the library is -fvisibility=hidden). */
#pragma GCC visibility push(default)
#define C11_FN(name) name
#define START_THREAD pthread_create
#define JOINED(t) ((void)0)
#define DETACHED(t, site) ((void)0)
#else
#define C11_FN(name) grader_##name
#define START_THREAD grader_pthread_create
/* What the call check must know (callcheck.h), as grader_pthread_join and
 * grader_pthread_detach tell it. */
#define JOINED(t) (engine_ready() ? callcheck_joined(t) : (void)0)
#define DETACHED(t, site) (engine_ready() ? callcheck_detached(t, site) : (void)0)
#endif

#define SITE __builtin_return_address(0)

_Static_assert(sizeof(mtx_t) == sizeof(pthread_mutex_t), "glibc's mtx_t is a pthread mutex");
_Static_assert(sizeof(cnd_t) == sizeof(pthread_cond_t), "glibc's cnd_t is a pthread condition");
_Static_assert(sizeof(thrd_t) == sizeof(pthread_t), "glibc's thrd_t is a pthread_t");
_Static_assert(sizeof(tss_t) == sizeof(pthread_key_t), "glibc's tss_t is a pthread key");
_Static_assert(sizeof(once_flag) == sizeof(pthread_once_t), "glibc's once_flag is a pthread_once_t");

static pthread_mutex_t *M(mtx_t *m) { return (pthread_mutex_t *)(void *)m; }
static pthread_cond_t *C(cnd_t *c) { return (pthread_cond_t *)(void *)c; }

static int c11_code(int err)
{
    switch (err) {
    case 0: return thrd_success;
    case ENOMEM: return thrd_nomem;
    case ETIMEDOUT: return thrd_timedout;
    case EBUSY: return thrd_busy;
    default: return thrd_error;
    }
}

/* ---- threads ----------------------------------------------------------------- */

typedef struct c11_start {
    thrd_start_t fn;
    void *arg;
} c11_start;

/* A C11 thread returns an int; the pthread it runs on returns it as a
 * pointer-sized value, which thrd_join turns back (as glibc does). */
static void *run_c11_thread(void *p)
{
    c11_start s = *(c11_start *)p;
    free(p);
    return (void *)(intptr_t)s.fn(s.arg);
}

int C11_FN(thrd_create)(thrd_t *thr, thrd_start_t fn, void *arg)
{
    c11_start *s = malloc(sizeof *s);
    if (!s)
        return thrd_nomem;
    s->fn = fn;
    s->arg = arg;
    pthread_t t;
    int err = START_THREAD(&t, NULL, run_c11_thread, s);
    if (err) {
        free(s);
        return c11_code(err); /* an injected EAGAIN: thrd_error; ENOMEM: thrd_nomem */
    }
    *thr = t;
    return thrd_success;
}

int C11_FN(thrd_join)(thrd_t thr, int *res)
{
    void *ret = NULL;
    int err = engine_ready() ? eng_join(thr, &ret, SITE) : pthread_join(thr, &ret);
    if (err)
        return thrd_error;
    JOINED(thr);
    if (res)
        *res = (int)(intptr_t)ret;
    return thrd_success;
}

int C11_FN(thrd_detach)(thrd_t thr)
{
    if (pthread_detach(thr) != 0)
        return thrd_error;
    DETACHED(thr, SITE);
    return thrd_success;
}

_Noreturn void C11_FN(thrd_exit)(int res) { pthread_exit((void *)(intptr_t)res); }

thrd_t C11_FN(thrd_current)(void) { return pthread_self(); }

int C11_FN(thrd_equal)(thrd_t a, thrd_t b) { return pthread_equal(a, b); }

/* 0 when it slept the whole time, -1 when a signal interrupted it, another
 * negative value on error (C11 7.26.5.7). */
int C11_FN(thrd_sleep)(const struct timespec *duration, struct timespec *remaining)
{
    int rc = !engine_ready()   ? nanosleep(duration, remaining)
             : vclock_active() ? vclock_nanosleep(duration, remaining, SITE)
                               : eng_nanosleep(duration, remaining, SITE);
    if (rc == 0)
        return 0;
    return errno == EINTR ? -1 : -2;
}

void C11_FN(thrd_yield)(void)
{
    if (engine_ready())
        eng_sched_yield(SITE);
    else
        sched_yield();
}

/* ---- mutexes ---------------------------------------------------------------- */

int C11_FN(mtx_init)(mtx_t *m, int type)
{
    int kind;
    switch (type) {
    case mtx_plain:
    case mtx_timed: kind = PTHREAD_MUTEX_NORMAL; break;
    case mtx_plain | mtx_recursive:
    case mtx_timed | mtx_recursive: kind = PTHREAD_MUTEX_RECURSIVE; break;
    default: return thrd_error;
    }
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, kind);
    int err = engine_ready() ? eng_mutex_init(M(m), &attr, SITE) : pthread_mutex_init(M(m), &attr);
    pthread_mutexattr_destroy(&attr);
    return c11_code(err);
}

int C11_FN(mtx_lock)(mtx_t *m)
{
    return c11_code(engine_ready() ? eng_mutex_lock(M(m), SITE) : pthread_mutex_lock(M(m)));
}

int C11_FN(mtx_trylock)(mtx_t *m)
{
    return c11_code(engine_ready() ? eng_mutex_trylock(M(m), SITE) : pthread_mutex_trylock(M(m)));
}

int C11_FN(mtx_timedlock)(mtx_t *restrict m, const struct timespec *restrict ts)
{
    return c11_code(engine_ready() ? eng_mutex_timedlock(M(m), ts, SITE)
                                   : pthread_mutex_timedlock(M(m), ts));
}

int C11_FN(mtx_unlock)(mtx_t *m)
{
    return c11_code(engine_ready() ? eng_mutex_unlock(M(m), SITE) : pthread_mutex_unlock(M(m)));
}

void C11_FN(mtx_destroy)(mtx_t *m)
{
    if (engine_ready())
        eng_mutex_destroy(M(m), SITE);
    else
        pthread_mutex_destroy(M(m));
}

/* ---- condition variables ----------------------------------------------------- */

int C11_FN(cnd_init)(cnd_t *c) { return c11_code(pthread_cond_init(C(c), NULL)); }

void C11_FN(cnd_destroy)(cnd_t *c)
{
    if (engine_ready())
        eng_cond_destroy(C(c), SITE);
    else
        pthread_cond_destroy(C(c));
}

int C11_FN(cnd_signal)(cnd_t *c)
{
    return c11_code(engine_ready() ? eng_cond_signal(C(c), SITE) : pthread_cond_signal(C(c)));
}

int C11_FN(cnd_broadcast)(cnd_t *c)
{
    return c11_code(engine_ready() ? eng_cond_broadcast(C(c), SITE)
                                   : pthread_cond_broadcast(C(c)));
}

int C11_FN(cnd_wait)(cnd_t *c, mtx_t *m)
{
    return c11_code(engine_ready() ? eng_cond_wait(C(c), M(m), SITE)
                                   : pthread_cond_wait(C(c), M(m)));
}

/* TIME_UTC is CLOCK_REALTIME, a pthread condition's default clock. */
int C11_FN(cnd_timedwait)(cnd_t *restrict c, mtx_t *restrict m, const struct timespec *restrict ts)
{
    return c11_code(engine_ready() ? eng_cond_timedwait(C(c), M(m), ts, SITE)
                                   : pthread_cond_timedwait(C(c), M(m), ts));
}

/* ---- thread-specific storage and call_once ---------------------------------- */

int C11_FN(tss_create)(tss_t *key, tss_dtor_t dtor) { return c11_code(pthread_key_create(key, dtor)); }

void *C11_FN(tss_get)(tss_t key) { return pthread_getspecific(key); }

int C11_FN(tss_set)(tss_t key, void *value) { return c11_code(pthread_setspecific(key, value)); }

void C11_FN(tss_delete)(tss_t key) { pthread_key_delete(key); }

void C11_FN(call_once)(once_flag *flag, void (*fn)(void))
{
    pthread_once((pthread_once_t *)(void *)flag, fn);
}

#ifdef GRADER_PRELOAD
#pragma GCC visibility pop
#endif
