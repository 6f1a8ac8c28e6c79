/* test_remote.c - carries lesson 04's API from the tests to your rlock.c.
 *
 * The tests run in a process of their own (the judge); your code runs in
 * another (the subject). Each function below, on the tests' side, sends the
 * call to your process, where the matching do_ function makes it. Each of
 * the tests' threads has a thread of its own in your process, so "the
 * calling thread" in rlock.h means what it says. You never need to read or
 * change this file: it is how the grader keeps its verdict out of reach of
 * the code it grades.
 */
#include "remote.h"
#include "rlock.h"

enum { F_NEW, F_FREE, F_ACQUIRE, F_TRY_ACQUIRE, F_RELEASE };
REMOTE_NAMES("rlock_new", "rlock_free", "rlock_acquire", "rlock_try_acquire", "rlock_release");

#ifdef REMOTE_JUDGE
rlock_t *rlock_new(void) { return REMOTE_AS_PTR(REMOTE_CALL0(F_NEW)); }
void rlock_free(rlock_t *l) { REMOTE_CALL(F_FREE, REMOTE_PTR_ARG(l)); }
void rlock_acquire(rlock_t *l) { REMOTE_CALL(F_ACQUIRE, REMOTE_PTR_ARG(l)); }
bool rlock_try_acquire(rlock_t *l) { return REMOTE_CALL(F_TRY_ACQUIRE, REMOTE_PTR_ARG(l)) != 0; }
int rlock_release(rlock_t *l) { return (int)REMOTE_CALL(F_RELEASE, REMOTE_PTR_ARG(l)); }
#endif

#ifdef REMOTE_SUBJECT
static uint64_t do_new(remote_args *a)
{
    (void)a;
    return REMOTE_PTR_ARG(rlock_new());
}
static uint64_t do_free(remote_args *a)
{
    rlock_free(REMOTE_AS_PTR(a->arg[0]));
    return 0;
}
static uint64_t do_acquire(remote_args *a)
{
    rlock_acquire(REMOTE_AS_PTR(a->arg[0]));
    return 0;
}
static uint64_t do_try_acquire(remote_args *a)
{
    return rlock_try_acquire(REMOTE_AS_PTR(a->arg[0])) ? 1 : 0;
}
static uint64_t do_release(remote_args *a)
{
    return (uint64_t)(int64_t)rlock_release(REMOTE_AS_PTR(a->arg[0]));
}
REMOTE_FUNCTIONS(do_new, do_free, do_acquire, do_try_acquire, do_release);
/* A lock's acquire returns holding it: an implementation may hold a mutex
 * of its own from rlock_acquire to the last rlock_release. */
REMOTE_LEAVES({ F_ACQUIRE, REMOTE_RETURNS_LOCKED }, { F_TRY_ACQUIRE, REMOTE_RETURNS_LOCKED });
/* The lesson is to build re-entrancy: a recursive mutex, however it is
 * made, fails the test (grader/harness/remote.h). */
REMOTE_NO_RECURSIVE_MUTEX();
#endif
