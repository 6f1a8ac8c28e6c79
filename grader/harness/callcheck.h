/* callcheck.h - the state a call of the lesson's API leaves behind, checked
 * when it returns (the subject's RETURN path, every run).
 *
 * A thread the student's code starts belongs to the call that was running on
 * the thread that started it (a thread started by such a thread belongs to
 * the same call). When the call returns, each of its threads must have been
 * joined: one that has finished but was never joined still counts, one that
 * was joined is gone. A detached thread counts too: nothing tells when it is
 * gone. And the calling thread must hold no mutex it locked during the call.
 * The lesson's test_remote.c declares the functions whose contract says
 * otherwise (REMOTE_LEAVES in remote.h). A violation is one "leak" record
 * with the student's code sites ("@HEX"); the first one of a run is written.
 */
#ifndef CALLCHECK_H
#define CALLCHECK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* The same values as remote.h's REMOTE_LEAVES_THREADS, REMOTE_MAY_DETACH,
 * REMOTE_RETURNS_LOCKED (subject.c checks). */
enum {
    CALL_LEAVES_THREADS = 1u,
    CALL_MAY_DETACH = 2u,
    CALL_RETURNS_LOCKED = 4u,
};

/* One call in progress on the calling thread (calls nest: a callback may
 * call the API again). */
typedef struct call_frame {
    uint64_t outer; /* the call this one interrupts, 0 if none */
    uint64_t ctx;   /* this call */
    int nheld;      /* mutexes the thread held when the call began */
} call_frame;

/* Around a call of the lesson's function `name` (allowed: CALL_* flags). */
void callcheck_begin(call_frame *f, unsigned allowed);
void callcheck_end(call_frame *f, const char *name);

/* intercept.c: the call the calling thread works for (0: none), given to
 * the threads it starts. */
uint64_t callcheck_current(void);
/* The creator, once pthread_create returned: thread t was started at `site`
 * for call `ctx` (detached: by its attributes); sets *recorded. */
void callcheck_started(pthread_t t, uint64_t ctx, bool detached, void *site,
                       atomic_bool *recorded);
/* The new thread, first thing: waits for *recorded (a join of it could
 * otherwise come before the entry it removes), then works for call `ctx`. */
void callcheck_adopt(uint64_t ctx, atomic_bool *recorded);
/* The student's code joined (0 returned) or detached thread t. */
void callcheck_joined(pthread_t t);
void callcheck_detached(pthread_t t, void *site);
/* Threads started and not joined (nor detached by a call allowed to): the
 * entries still in the table (harness_unjoined_threads). */
int callcheck_unjoined(void);
/* The most threads unjoined at once (started, neither joined nor detached
 * for good) since the last reset; reset: start again from those unjoined
 * now. Threads that ran one after another (each joined before the next
 * started) never count more than one: it says how many were alive at once
 * whatever the schedule. */
int callcheck_unjoined_max(bool reset);

#endif
