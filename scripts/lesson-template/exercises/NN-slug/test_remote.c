/* test_remote.c - carries lesson @num@'s API from the tests to your @slug@.c.
 *
 * The tests run in a process of their own (the judge); your code runs in
 * another (the subject). Each function below, on the tests' side, sends the
 * call to your process, where the matching do_ function makes it. You never
 * need to read or change this file: it is how the grader keeps its verdict
 * out of reach of the code it grades.
 *
 * (For the lesson's author: one line per function of @slug@.h, in the same
 * order in the enum, REMOTE_NAMES and REMOTE_FUNCTIONS. Integers travel as
 * uint64_t (signed ones cast back), pointers the test only hands back as
 * handles (REMOTE_PTR_ARG, REMOTE_AS_PTR), functions the API takes as
 * callbacks: see grader/harness/remote.h and exercises/02-bank/test_remote.c.)
 */
#include "remote.h"
#include "@slug@.h"

enum { F_NEW, F_FREE, F_ADD, F_TOTAL };
REMOTE_NAMES("@slug@_new", "@slug@_free", "@slug@_add", "@slug@_total");

#ifdef REMOTE_JUDGE
@slug@_t *@slug@_new(void) { return REMOTE_AS_PTR(REMOTE_CALL0(F_NEW)); }
void @slug@_free(@slug@_t *c) { REMOTE_CALL(F_FREE, REMOTE_PTR_ARG(c)); }
void @slug@_add(@slug@_t *c, long n) { REMOTE_CALL(F_ADD, REMOTE_PTR_ARG(c), (uint64_t)n); }
long @slug@_total(@slug@_t *c) { return (long)REMOTE_CALL(F_TOTAL, REMOTE_PTR_ARG(c)); }
#endif

#ifdef REMOTE_SUBJECT
static uint64_t do_new(remote_args *a)
{
    (void)a;
    return REMOTE_PTR_ARG(@slug@_new());
}
static uint64_t do_free(remote_args *a)
{
    @slug@_free(REMOTE_AS_PTR(a->arg[0]));
    return 0;
}
static uint64_t do_add(remote_args *a)
{
    @slug@_add(REMOTE_AS_PTR(a->arg[0]), (long)a->arg[1]);
    return 0;
}
static uint64_t do_total(remote_args *a) { return (uint64_t)@slug@_total(REMOTE_AS_PTR(a->arg[0])); }
REMOTE_FUNCTIONS(do_new, do_free, do_add, do_total);
/* What a function may leave behind when it returns (remote.h): nothing here.
 * Name each function whose contract lets it return with threads still
 * running ({ F_START, REMOTE_LEAVES_THREADS }), detach them
 * (REMOTE_MAY_DETACH) or return holding a mutex (REMOTE_RETURNS_LOCKED). */
REMOTE_LEAVES();
#endif
