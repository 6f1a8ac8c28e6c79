/* test_support.h - lesson 09's test helpers, shared by the public tests and
 * the grader's hidden tests: threads that add a list of values and report
 * what tally_mine said, started in waves (a wave ends only once its threads
 * have exited in your process, so the next wave's threads may get their
 * ids), threads that add in lock step, and a live thread that waits while
 * the test resets the tally. Tests only; nothing here is part
 * of the lesson's API. The helpers every lesson may use are in
 * grader/harness/harness.h. */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include "harness.h"
#include "local.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* ---- a thread that adds a few values ---------------------------------------- */

#define ADDS_MAX 32
#define WAVE_MAX 16

typedef struct adder {
    long add[ADDS_MAX]; /* the values it adds, in order */
    size_t nadd;
    long first_mine;    /* tally_mine() before its first add */
    long last_mine;     /* tally_mine() after its last add */
    int tid;            /* its thread in your process */
    harness_gate *held; /* run_wave_held: where it waits after its adds */
    pthread_t thread;
} adder;

/* The calls go in one batch (one round trip): mine, every add, mine. A held
 * adder meets the test at its gate after the adds, alive, and waits there
 * until the test has read the total, then makes its last tally_mine(). */
static inline void *adder_body(void *p)
{
    adder *a = p;
    a->tid = harness_gettid();
    harness_batch_begin();
    tally_mine();
    for (size_t i = 0; i < a->nadd; i++)
        tally_add(a->add[i]);
    if (a->held) {
        size_t n = 0;
        const uint64_t *v = harness_batch_end(&n);
        a->first_mine = n ? (long)v[0] : 0;
        HARNESS_CHECK(harness_gate_wait(a->held, 5000) && harness_gate_wait(a->held, 5000),
                      "a thread that had added its values waited 5 s for the others");
        a->last_mine = tally_mine();
        return NULL;
    }
    tally_mine();
    size_t n = 0;
    const uint64_t *v = harness_batch_end(&n);
    a->first_mine = n ? (long)v[0] : 0;
    a->last_mine = n ? (long)v[n - 1] : 0;
    return NULL;
}

static inline long adder_sum(const adder *a)
{
    long s = 0;
    for (size_t i = 0; i < a->nadd; i++)
        s += a->add[i];
    return s;
}

/* Waits until the threads of tids[0..n) have exited in your process: their
 * thread-exit code (pthread_key_create's destructors) has run. */
static inline void wait_exited(const int *tids, size_t n, const char *who)
{
    bool gone = harness_wait_exited(tids, n, 3000);
    HARNESS_CHECK(gone, "%s ended, but in your process %s still not exited 3 s later: does "
                  "code that runs as a thread exits (a pthread_key_create destructor) wait "
                  "for something?", who, n == 1 ? "its thread had" : "their threads had");
}

/* The end of a wave: joins its adders, waits until their threads have
 * exited in your process, and checks that each started from 0 and ended
 * with its own sum. `wave` (from 1) names the wave in messages. */
static inline void finish_wave(adder *a, size_t n, int wave)
{
    int tids[WAVE_MAX];
    for (size_t i = 0; i < n; i++) {
        harness_thread_join(a[i].thread);
        tids[i] = a[i].tid;
    }
    char who[64];
    snprintf(who, sizeof who, "%zu threads that used the tally", n);
    wait_exited(tids, n, who);
    for (size_t i = 0; i < n; i++) {
        HARNESS_CHECK(a[i].first_mine == 0, "thread %zu of wave %d: tally_mine() returned "
                      "%ld before it added anything, expected 0. A new thread starts from 0, "
                      "even when the system gives it the id (pthread_t) of a thread that has "
                      "exited (threads that start after others have exited often get their "
                      "ids)", i + 1, wave, a[i].first_mine);
        HARNESS_CHECK(a[i].last_mine == adder_sum(&a[i]), "thread %zu of wave %d added "
                      "%zu value%s (%ld in all), then its tally_mine() returned %ld, expected "
                      "%ld", i + 1, wave, a[i].nadd, a[i].nadd == 1 ? "" : "s",
                      adder_sum(&a[i]), a[i].last_mine, adder_sum(&a[i]));
    }
}

/* One wave: starts the adders and finishes the wave. */
static inline void run_wave(adder *a, size_t n, int wave)
{
    for (size_t i = 0; i < n; i++)
        harness_thread_start(&a[i].thread, adder_body, &a[i]);
    finish_wave(a, n, wave);
}

/* One wave whose adders, once they have added, wait alive at a gate while
 * the test reads tally_total() once: it must be `total` (the sum of every
 * wave so far). That read meets counts their owners wrote with no lock in
 * between, whatever the machine's load: under ThreadSanitizer, a total
 * read without the lock the adders write under is a data race every time
 * (threads that finished and exited first would hand their counts over
 * under the lock, and hide it). */
static inline void run_wave_held(adder *a, size_t n, int wave, long total)
{
    harness_gate *g = harness_gate_new((int)n + 1);
    HARNESS_CHECK(g != NULL, "out of memory in the test");
    for (size_t i = 0; i < n; i++) {
        a[i].held = g;
        harness_thread_start(&a[i].thread, adder_body, &a[i]);
    }
    HARNESS_CHECK(harness_gate_wait(g, 5000), "the threads of wave %d did not all add in 5 s",
                  wave);
    long seen = tally_total();
    HARNESS_CHECK(seen == total, "wave %d: %zu threads have added (%ld in all, with the "
                  "waves before) and are still running; tally_total() returned %ld, "
                  "expected %ld", wave, n, total, seen, total);
    HARNESS_CHECK(harness_gate_wait(g, 5000), "the threads of wave %d did not go on", wave);
    finish_wave(a, n, wave);
    harness_gate_free(g);
}

/* ---- threads in lock step ------------------------------------------------- */

/* At each step every thread adds its add[step] (or nothing: NO_ADD); after
 * every thread has added, each reads tally_mine, and only then does the
 * next step begin: a count that is not the thread's own shows at once. */
#define STEPS_MAX 8
#define NO_ADD LONG_MIN
typedef struct stepper {
    harness_gate *gate;
    long add[STEPS_MAX];
    size_t steps;
    long mine[STEPS_MAX]; /* tally_mine() after each step */
    bool lost;            /* the gate timed out */
    int tid;
    pthread_t thread;
} stepper;

static inline void *stepper_body(void *p)
{
    stepper *s = p;
    s->tid = harness_gettid();
    for (size_t i = 0; i < s->steps && !s->lost; i++) {
        if (s->add[i] != NO_ADD)
            tally_add(s->add[i]);
        s->lost = !harness_gate_wait(s->gate, 5000);
        s->mine[i] = tally_mine();
        s->lost = s->lost || !harness_gate_wait(s->gate, 5000);
    }
    return NULL;
}

/* ---- a live thread that waits while another resets ---------------------- */

/* Adds `before`, meets the test at the gate twice (the test resets in
 * between), then reads tally_mine, adds 1 and reads it again. */
typedef struct parked {
    harness_gate *gate;
    long before, after_reset, after_add;
    bool lost;
    pthread_t thread;
} parked;

static inline void *parked_body(void *p)
{
    parked *k = p;
    tally_add(k->before);
    k->lost = !harness_gate_wait(k->gate, 8000); /* added */
    k->lost = k->lost || !harness_gate_wait(k->gate, 8000); /* the test reset */
    k->after_reset = tally_mine();
    tally_add(1);
    k->after_add = tally_mine();
    return NULL;
}

#endif
