/* semaphore.c - POSIX semaphores (unnamed: sem_init/sem_destroy) in the
 * engine, so a program that synchronises with them gets what mutexes and
 * condition variables get: a noise point at every wait and post, the wait
 * in hang reports ("thread 2 waits on semaphore 1 (at prog.c:14) for a
 * post that never came"), and timeline events (wait, post).
 *
 * A semaphore has no holder, so a wait closes no wait-for cycle and adds
 * no lock-order edge: like a condition wait, it is a hang when nothing
 * posts. Whether a lesson may use semaphores at all is the build's
 * business (lesson.json "forbidden", checked on the student's object
 * before its calls are renamed to these).
 *
 * sem_timedwait_real below is the one place that waits for a deadline:
 * under virtual time vclock.c swaps that call for a virtual one, and a
 * thread in any semaphore wait counts as blocked.
 */
#include "engine_int.h"
#include "timeline.h"

#include <errno.h>
#include <semaphore.h>

#define ENG_MAX_SEMS 1024

static const void *sems[ENG_MAX_SEMS]; /* under E.mu: semaphore N is sems[N - 1] */
static bool sem_private[ENG_MAX_SEMS];   /* made by sem_init(s, 0, n) */
static int nsems;

/* Under E.mu: the number people see ("semaphore 2"); 0 when the table is full. */
static int sem_number(const void *s)
{
    for (int i = 0; i < nsems; i++)
        if (sems[i] == s)
            return i + 1;
    if (nsems == ENG_MAX_SEMS)
        return 0;
    sems[nsems++] = s;
    return nsems;
}

int sem_number_at(uintptr_t a)
{
    for (int i = 0; i < nsems; i++)
        if (a >= (uintptr_t)sems[i] && a < (uintptr_t)sems[i] + sizeof(sem_t))
            return i + 1;
    return 0;
}

static void progress(void) { atomic_fetch_add_explicit(&E.progress, 1, memory_order_relaxed); }

/* Thread t's note of an event on s; returns the semaphore's number. */
static int note(int t, enum tl_kind kind, const sem_t *s, void *site)
{
    eng_enter();
    int sid = sem_number(s);
    if (sid > 0 && atomic_load_explicit(&pshared_active, memory_order_relaxed))
        pshared_used(t, PS_SEM, s, sem_private[sid - 1], sid, site);
    TIMELINE(t, kind, sid, 0, site);
    eng_leave();
    return sid;
}

static void waiting(int t, int sid, void *site, bool timed)
{
    eng_enter();
    eng_thread *th = &E.threads[t];
    th->wait = W_SEM;
    th->wait_cond = sid;
    th->wait_site = site;
    th->wait_timed = timed;
    eng_leave();
}

static void not_waiting(int t)
{
    eng_enter();
    E.threads[t].wait = W_NONE;
    eng_leave();
}

/* The hook for virtual time: the only real wait for a deadline. */
static int sem_timedwait_real(sem_t *s, const struct timespec *ts)
{
    return E.R.sem_timedwait(s, ts);
}

/* A wait (ts NULL: for ever): a try first, and only when that fails is the
 * thread marked waiting, so an uncontended wait costs no report state. */
static int sem_wait_common(sem_t *s, const struct timespec *ts, void *site)
{
    int t = eng_thread_index();
    if (t < 0)
        return ts ? sem_timedwait_real(s, ts) : E.R.sem_wait(s);
    if (ts)
        eng_check_deadline("sem_timedwait", ts, CLOCK_REALTIME, site);
    noise_point(&E.threads[t]);
    int sid = note(t, ts ? TL_SEM_TIMEDWAIT : TL_SEM_WAIT, s, site);
    int rc = E.R.sem_trywait(s);
    if (rc != 0 && errno == EAGAIN) {
        waiting(t, sid, site, ts != NULL);
        rc = ts ? sem_timedwait_real(s, ts) : E.R.sem_wait(s);
        int saved = errno;
        not_waiting(t);
        errno = saved;
    }
    if (rc == 0) {
        progress();
        int saved = errno;
        noise_point(&E.threads[t]);
        errno = saved;
    }
    return rc;
}

int eng_sem_wait(sem_t *s, void *site) { return sem_wait_common(s, NULL, site); }

int eng_sem_timedwait(sem_t *s, const struct timespec *ts, void *site)
{
    return sem_wait_common(s, ts, site);
}

int eng_sem_trywait(sem_t *s, void *site)
{
    int t = eng_thread_index();
    if (t < 0)
        return E.R.sem_trywait(s);
    noise_point(&E.threads[t]);
    int rc = E.R.sem_trywait(s);
    if (rc == 0) {
        note(t, TL_SEM_WAIT, s, site);
        progress();
    }
    return rc;
}

int eng_sem_post(sem_t *s, void *site)
{
    int t = eng_thread_index();
    if (t < 0)
        return E.R.sem_post(s);
    noise_point(&E.threads[t]);
    note(t, TL_SEM_POST, s, site);
    int rc = E.R.sem_post(s);
    if (rc == 0) {
        int saved = errno;
        noise_after_unlock(&E.threads[t]); /* a waiter may run now */
        errno = saved;
    }
    return rc;
}

int eng_sem_init(sem_t *s, int pshared, unsigned value)
{
    if (E.ready) {
        eng_enter();
        int sid = sem_number(s); /* numbered in the order they were made */
        if (sid > 0)
            sem_private[sid - 1] = pshared == 0;
        eng_leave();
    }
    return E.R.sem_init(s, pshared, value);
}

int eng_sem_destroy(sem_t *s) { return E.R.sem_destroy(s); }
