/* test_support.h - lesson 04's test helpers, shared by the public tests and
 * the grader's hidden tests: calls made on another thread (a thread that is
 * not the lock's owner) and a waiter blocked in rlock_acquire. Tests only;
 * nothing here is part of the lesson's API. The helpers every lesson may
 * use (helper threads, HARNESS_CHECK, virtual time) are in
 * grader/harness/harness.h. */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include "harness.h"
#include "rlock.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

/* ---- a few calls on a thread of their own --------------------------------- */

enum { OP_ACQUIRE, OP_TRY, OP_RELEASE };
#define SCRIPT_MAX 16

/* The calls ops[0..n) on one new thread, in order; res[i] is what call i
 * returned (rlock_acquire: 0; rlock_try_acquire: 1 or 0). */
typedef struct script {
    rlock_t *l;
    int ops[SCRIPT_MAX];
    size_t n;
    long res[SCRIPT_MAX];
    atomic_size_t made; /* calls that returned */
    pthread_t thread;
} script;

static inline void *script_body(void *p)
{
    script *s = p;
    for (size_t i = 0; i < s->n; i++) {
        if (s->ops[i] == OP_ACQUIRE) {
            rlock_acquire(s->l);
            s->res[i] = 0;
        } else if (s->ops[i] == OP_TRY) {
            s->res[i] = rlock_try_acquire(s->l);
        } else {
            s->res[i] = rlock_release(s->l);
        }
        atomic_store(&s->made, i + 1);
    }
    return NULL;
}

static inline const char *op_name(int op)
{
    return op == OP_ACQUIRE ? "rlock_acquire" : op == OP_TRY ? "rlock_try_acquire"
                                                             : "rlock_release";
}

/* Runs the calls on another thread and waits for them. Under virtual time
 * (every test that uses this turns it on first): the wait ends once that
 * thread is done or blocked, so a call that blocks where it must not is
 * reported by name instead of hanging the test. */
static inline void run_elsewhere(script *s, rlock_t *l, const int *ops, size_t n)
{
    s->l = l;
    s->n = n;
    memcpy(s->ops, ops, n * sizeof ops[0]);
    atomic_store(&s->made, 0);
    harness_thread_start(&s->thread, script_body, s);
    harness_sleep_ms(1000);
    size_t made = atomic_load(&s->made);
    HARNESS_CHECK(made == n, "another thread called %s and it never returned (it was still "
                  "blocked 1 s later)%s", op_name(ops[made]),
                  ops[made] == OP_ACQUIRE ? ": was the lock not free?"
                                          : ": this function must never wait");
    harness_thread_join(s->thread);
}

/* "0" or "EPERM" or the number, for messages. */
static inline const char *rc_name(long rc, char *buf, size_t len)
{
    if (rc == 0)
        return "0";
    if (rc == EPERM)
        return "EPERM";
    snprintf(buf, len, "%ld", rc);
    return buf;
}

/* Checks one release's result: `want` is 0 or EPERM; `what` says who
 * called it and when, for the message. */
#define CHECK_RELEASE(got, want, what)                                                     \
    do {                                                                                   \
        long got_ = (got);                                                                 \
        char b1_[24], b2_[24];                                                             \
        HARNESS_CHECK(got_ == (want), "%s: rlock_release returned %s, expected %s", what,  \
                      rc_name(got_, b1_, sizeof b1_), rc_name((want), b2_, sizeof b2_));   \
    } while (0)

/* ---- a thread blocked in rlock_acquire --------------------------------------- */

typedef struct waiter {
    rlock_t *l;
    atomic_bool got;      /* rlock_acquire returned */
    atomic_int *inside;   /* if set: threads holding the lock, as the test counts them */
    double hold_ms;       /* then holds it this long (virtual) before releasing */
    atomic_int overlap;   /* others found inside when it got the lock */
    long release_rc;
    pthread_t thread;
} waiter;

static inline void *waiter_body(void *p)
{
    waiter *w = p;
    rlock_acquire(w->l);
    if (w->inside)
        atomic_store(&w->overlap, atomic_fetch_add(w->inside, 1));
    atomic_store(&w->got, true);
    if (w->hold_ms > 0)
        harness_sleep_ms(w->hold_ms);
    if (w->inside)
        atomic_fetch_sub(w->inside, 1);
    w->release_rc = rlock_release(w->l);
    return NULL;
}

static inline void start_waiter(waiter *w, rlock_t *l, atomic_int *inside, double hold_ms)
{
    *w = (waiter){ .l = l, .inside = inside, .hold_ms = hold_ms };
    harness_thread_start(&w->thread, waiter_body, w);
}

#endif
