/* engine_orders_nothing.c - the engine must not hide a race from
 * ThreadSanitizer. Built as the TSan flavour of a subject is (this file
 * instrumented, calling the grader_* wrappers its renamed calls would reach;
 * the engine's files as grader/src/objcache.c builds them) and run by
 * tests/suites/45-engine.sh, which wants each race below reported.
 *
 * Each scenario is a race in happens-before terms: thread A writes a
 * variable with no lock, and the main thread reads it later, with nothing of
 * the program's own ordering the two. Between them, both threads go through
 * one of the engine's shared books: the count of live threads (A exits, then
 * the main thread starts a thread) or the book of open descriptors (both
 * open a pipe). Were that book visible to TSan (an atomic counter bumped by
 * both), A's write would come "before" the read, and the race would be
 * missed. The main thread waits for A without synchronising with it: it
 * polls, with relaxed atomics (no order for TSan) and /proc, until A is done.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

int grader_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
                          void *arg);
int grader_pthread_join(pthread_t t, void **ret);
int grader_pthread_detach(pthread_t t);
int grader_pipe(int p[2]);
int grader_close(int fd);

/* The subject sends records to the judge; here there is no judge. */
void harness_chan_record(const char *kind, const char *text)
{
    (void)kind;
    (void)text;
}

int written_before_exit, written_before_open;
static atomic_int a_tid, a_opened;

static void *write_then_exit(void *arg)
{
    (void)arg;
    written_before_exit = 1;
    atomic_store_explicit(&a_tid, (int)gettid(), memory_order_relaxed);
    return NULL;
}

static void *write_then_open(void *arg)
{
    (void)arg;
    int p[2];
    written_before_open = 1;
    if (grader_pipe(p) == 0) {
        grader_close(p[0]);
        grader_close(p[1]);
    }
    atomic_store_explicit(&a_opened, 1, memory_order_relaxed);
    return NULL;
}

static void *idle(void *arg) { return arg; }

static void nap(void)
{
    struct timespec ms = { 0, 1000000 };
    nanosleep(&ms, NULL);
}

int main(void)
{
    pthread_t a, b;
    /* 1. A writes and exits; the main thread starts B, then reads. */
    if (grader_pthread_create(&a, NULL, write_then_exit, NULL) != 0)
        return 2;
    grader_pthread_detach(a);
    int tid;
    while ((tid = atomic_load_explicit(&a_tid, memory_order_relaxed)) == 0)
        nap();
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d", tid);
    while (access(path, F_OK) == 0)
        nap();
    if (grader_pthread_create(&b, NULL, idle, NULL) != 0)
        return 2;
    printf("after an exit and a start: %d\n", written_before_exit);
    grader_pthread_join(b, NULL);

    /* 2. A writes and opens a pipe; the main thread opens one, then reads. */
    if (grader_pthread_create(&a, NULL, write_then_open, NULL) != 0)
        return 2;
    while (atomic_load_explicit(&a_opened, memory_order_relaxed) == 0)
        nap();
    int p[2];
    if (grader_pipe(p) != 0)
        return 2;
    printf("after two opens: %d\n", written_before_open);
    grader_close(p[0]);
    grader_close(p[1]);
    grader_pthread_join(a, NULL);
    return 0;
}
