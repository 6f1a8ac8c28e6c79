/* test_remote.c - carries lesson 10's API from the tests to your timer.c.
 *
 * The tests run in a process of their own (the judge); your code runs in
 * another (the subject). Each function below, on the tests' side, sends the
 * call to your process, where the matching do_ function makes it. You never
 * need to read or change this file: it is how the grader keeps its verdict
 * out of reach of the code it grades.
 *
 * The fn your timer calls belongs to the tests: in your process it is a
 * small stand-in that asks the tests' process to run the test's function
 * (on a thread that stands for your timer's thread) and waits until it has
 * returned. The timer you get back is wrapped: the tests hold the wrapper,
 * which keeps your ctimer_t, the test's fn and its argument.
 */
#include "remote.h"
#include "timer.h"

enum { F_START, F_CANCEL, F_FREE };
REMOTE_NAMES("ctimer_start", "ctimer_cancel", "ctimer_free");

/* The id that stands for "fn is NULL". */
#define NO_FN UINT64_MAX

#ifdef REMOTE_JUDGE
static uint64_t invoke_fn(remote_any_fn fn, const uint64_t *arg, size_t nargs)
{
    ((void (*)(void *))fn)(nargs >= 1 ? REMOTE_AS_PTR(arg[0]) : NULL);
    return 0;
}

ctimer_t *ctimer_start(unsigned delay_ms, void (*fn)(void *), void *arg)
{
    uint64_t id = fn ? remote_callback((remote_any_fn)fn, invoke_fn) : NO_FN;
    return REMOTE_AS_PTR(REMOTE_CALL(F_START, (uint64_t)delay_ms, id, REMOTE_PTR_ARG(arg)));
}

bool ctimer_cancel(ctimer_t *t) { return REMOTE_CALL(F_CANCEL, REMOTE_PTR_ARG(t)) != 0; }
void ctimer_free(ctimer_t *t) { REMOTE_CALL(F_FREE, REMOTE_PTR_ARG(t)); }
#endif

#ifdef REMOTE_SUBJECT
#include <stdlib.h>

/* What the tests hold: your timer, and the test's fn and argument. */
typedef struct carried {
    uint64_t fn_id, arg;
    ctimer_t *timer;
} carried;

/* The fn your timer calls: it runs the test's fn(arg) in the tests' process. */
static void fn_stand_in(void *p)
{
    const carried *c = p;
    REMOTE_RUN_CALLBACK(c->fn_id, c->arg);
}

/* args: delay_ms, the test's fn (NO_FN: NULL), its argument. */
static uint64_t do_start(remote_args *a)
{
    carried *c = malloc(sizeof *c);
    if (!c)
        abort();
    c->fn_id = a->arg[1];
    c->arg = a->arg[2];
    c->timer = ctimer_start((unsigned)a->arg[0], c->fn_id == NO_FN ? NULL : fn_stand_in, c);
    if (!c->timer) {
        free(c);
        return 0;
    }
    return REMOTE_PTR_ARG(c);
}

static uint64_t do_cancel(remote_args *a)
{
    carried *c = REMOTE_AS_PTR(a->arg[0]);
    return ctimer_cancel(c->timer);
}

static uint64_t do_free(remote_args *a)
{
    carried *c = REMOTE_AS_PTR(a->arg[0]);
    ctimer_free(c->timer);
    free(c);
    return 0;
}

REMOTE_FUNCTIONS(do_start, do_cancel, do_free);
/* ctimer_start leaves the timer's thread running: ctimer_free joins it. */
REMOTE_LEAVES({ F_START, REMOTE_LEAVES_THREADS });
#endif
