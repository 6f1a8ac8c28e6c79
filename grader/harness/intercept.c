/* intercept.c - wrappers for the pthread calls of the student's code.
 *
 * Counts the threads the student's code starts and that are still running
 * (a thread-specific key's destructor sees every exit, by return or by
 * pthread_exit), and injects creation failures on demand so a test can check
 * what a submission does when pthread_create fails part-way.
 */
#include "intercept.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

typedef struct start_info {
    void *(*fn)(void *);
    void *arg;
} start_info;

static atomic_int live_threads;
static atomic_int created_threads;
static atomic_int fail_countdown = -1; /* -1: disarmed */
static atomic_int fail_errno;
static pthread_key_t exit_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void on_thread_exit(void *unused)
{
    (void)unused;
    atomic_fetch_sub(&live_threads, 1);
}

static void make_key(void)
{
    pthread_key_create(&exit_key, on_thread_exit);
}

static void *trampoline(void *p)
{
    start_info si = *(start_info *)p;
    free(p);
    /* Any non-NULL value: the destructor runs when this thread ends. */
    pthread_setspecific(exit_key, (void *)1);
    return si.fn(si.arg);
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

int grader_pthread_create(pthread_t *t, const pthread_attr_t *attr,
                          void *(*fn)(void *), void *arg)
{
    pthread_once(&key_once, make_key);
    int err = injected_failure();
    if (err)
        return err;
    start_info *si = malloc(sizeof *si);
    if (!si)
        return EAGAIN;
    si->fn = fn;
    si->arg = arg;
    atomic_fetch_add(&live_threads, 1);
    err = pthread_create(t, attr, trampoline, si);
    if (err) {
        atomic_fetch_sub(&live_threads, 1);
        free(si);
        return err;
    }
    atomic_fetch_add(&created_threads, 1);
    return 0;
}

int intercept_live_threads(void) { return atomic_load(&live_threads); }
int intercept_threads_created(void) { return atomic_load(&created_threads); }

void intercept_fail_create(int n, int err)
{
    atomic_store(&fail_errno, err);
    atomic_store(&fail_countdown, n < 0 ? -1 : n);
}

void intercept_reset(void)
{
    intercept_fail_create(-1, 0);
    atomic_store(&created_threads, 0);
}
