/* test_remote.c - carries lesson 05's API from the tests to your semaphore.c.
 *
 * The tests run in a process of their own (the judge); your code runs in
 * another (the subject). Each function below, on the tests' side, sends the
 * call to your process, where the matching do_ function makes it. The `task`
 * run_limited is given there is a stand-in: each time one of your threads
 * calls it, it asks the tests' process to run the tests' task (on a thread
 * that stands for yours) and returns when that task has returned. You never
 * need to read or change this file: it is how the grader keeps its verdict
 * out of reach of the code it grades.
 */
#include "remote.h"
#include "semaphore.h"

enum { F_NEW, F_FREE, F_ACQUIRE, F_TRY_ACQUIRE, F_ACQUIRE_TIMEOUT, F_RELEASE, F_RUN_LIMITED };
REMOTE_NAMES("csem_new", "csem_free", "csem_acquire", "csem_try_acquire",
             "csem_acquire_timeout", "csem_release", "run_limited");

/* The id that stands for "task is NULL". */
#define NO_TASK UINT64_MAX

#ifdef REMOTE_JUDGE
csem_t *csem_new(unsigned value) { return REMOTE_AS_PTR(REMOTE_CALL(F_NEW, value)); }
void csem_free(csem_t *s) { REMOTE_CALL(F_FREE, REMOTE_PTR_ARG(s)); }
void csem_acquire(csem_t *s) { REMOTE_CALL(F_ACQUIRE, REMOTE_PTR_ARG(s)); }
bool csem_try_acquire(csem_t *s) { return REMOTE_CALL(F_TRY_ACQUIRE, REMOTE_PTR_ARG(s)) != 0; }
bool csem_acquire_timeout(csem_t *s, unsigned ms)
{
    return REMOTE_CALL(F_ACQUIRE_TIMEOUT, REMOTE_PTR_ARG(s), ms) != 0;
}
void csem_release(csem_t *s) { REMOTE_CALL(F_RELEASE, REMOTE_PTR_ARG(s)); }

/* Runs the test's task(i) when the subject's stand-in is called; the
 * student's thread waits until it returns. */
static uint64_t invoke_task(remote_any_fn fn, const uint64_t *arg, size_t nargs)
{
    /* A malformed call names no task: the test's checks then see an index
     * that does not exist. */
    ((void (*)(size_t))fn)(nargs >= 1 ? (size_t)arg[0] : (size_t)-1);
    return 0;
}

int run_limited(size_t n, size_t limit, void (*task)(size_t i))
{
    uint64_t id = task ? remote_callback((remote_any_fn)task, invoke_task) : NO_TASK;
    return (int)(int64_t)REMOTE_CALL(F_RUN_LIMITED, (uint64_t)n, (uint64_t)limit, id);
}
#endif

#ifdef REMOTE_SUBJECT
#include <stdatomic.h>

/* task(size_t i) has no context argument, so the stand-in cannot be told
 * which of the tests' callbacks it stands for: do_run_limited stores the id
 * here before calling run_limited, and the threads run_limited starts read
 * it (their pthread_create orders the read after the store). One id for the
 * whole process: right as long as two run_limited calls with different tasks
 * never overlap, which the tests never do. Relaxed: the variable adds no
 * synchronisation that ThreadSanitizer could credit to your code. */
static _Atomic uint64_t task_id = NO_TASK;

static void task_stand_in(size_t i)
{
    REMOTE_RUN_CALLBACK(atomic_load_explicit(&task_id, memory_order_relaxed), (uint64_t)i);
}

static csem_t *sem(remote_args *a) { return REMOTE_AS_PTR(a->arg[0]); }

static uint64_t do_new(remote_args *a) { return REMOTE_PTR_ARG(csem_new((unsigned)a->arg[0])); }
static uint64_t do_free(remote_args *a)
{
    csem_free(sem(a));
    return 0;
}
static uint64_t do_acquire(remote_args *a)
{
    csem_acquire(sem(a));
    return 0;
}
static uint64_t do_try_acquire(remote_args *a) { return csem_try_acquire(sem(a)); }
static uint64_t do_acquire_timeout(remote_args *a)
{
    return csem_acquire_timeout(sem(a), (unsigned)a->arg[1]);
}
static uint64_t do_release(remote_args *a)
{
    csem_release(sem(a));
    return 0;
}
static uint64_t do_run_limited(remote_args *a)
{
    uint64_t id = a->arg[2];
    atomic_store_explicit(&task_id, id, memory_order_relaxed);
    int rc = run_limited((size_t)a->arg[0], (size_t)a->arg[1], id == NO_TASK ? NULL : task_stand_in);
    return (uint64_t)(int64_t)rc;
}
REMOTE_FUNCTIONS(do_new, do_free, do_acquire, do_try_acquire, do_acquire_timeout, do_release,
                 do_run_limited);
/* Nothing may be left behind: run_limited joins every thread it started. */
REMOTE_LEAVES();
#endif
