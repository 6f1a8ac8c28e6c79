/* test_remote.c - carries lesson 06's API from the tests to your event.c.
 *
 * The tests run in a process of their own (the judge); your code runs in
 * another (the subject). Each function below, on the tests' side, sends the
 * call to your process, where the matching do_ function makes it. You never
 * need to read or change this file: it is how the grader keeps its verdict
 * out of reach of the code it grades.
 */
#include "remote.h"
#include "event.h"

enum { F_NEW, F_FREE, F_SET, F_CLEAR, F_IS_SET, F_WAIT, F_WAIT_TIMEOUT };
REMOTE_NAMES("event_new", "event_free", "event_set", "event_clear", "event_is_set",
             "event_wait", "event_wait_timeout");

#ifdef REMOTE_JUDGE
event_t *event_new(void) { return REMOTE_AS_PTR(REMOTE_CALL0(F_NEW)); }
void event_free(event_t *e) { REMOTE_CALL(F_FREE, REMOTE_PTR_ARG(e)); }
void event_set(event_t *e) { REMOTE_CALL(F_SET, REMOTE_PTR_ARG(e)); }
void event_clear(event_t *e) { REMOTE_CALL(F_CLEAR, REMOTE_PTR_ARG(e)); }
bool event_is_set(event_t *e) { return REMOTE_CALL(F_IS_SET, REMOTE_PTR_ARG(e)) != 0; }
void event_wait(event_t *e) { REMOTE_CALL(F_WAIT, REMOTE_PTR_ARG(e)); }
bool event_wait_timeout(event_t *e, unsigned ms)
{
    return REMOTE_CALL(F_WAIT_TIMEOUT, REMOTE_PTR_ARG(e), (uint64_t)ms) != 0;
}
#endif

#ifdef REMOTE_SUBJECT
static uint64_t do_new(remote_args *a)
{
    (void)a;
    return REMOTE_PTR_ARG(event_new());
}
static uint64_t do_free(remote_args *a)
{
    event_free(REMOTE_AS_PTR(a->arg[0]));
    return 0;
}
static uint64_t do_set(remote_args *a)
{
    event_set(REMOTE_AS_PTR(a->arg[0]));
    return 0;
}
static uint64_t do_clear(remote_args *a)
{
    event_clear(REMOTE_AS_PTR(a->arg[0]));
    return 0;
}
static uint64_t do_is_set(remote_args *a) { return event_is_set(REMOTE_AS_PTR(a->arg[0])); }
static uint64_t do_wait(remote_args *a)
{
    event_wait(REMOTE_AS_PTR(a->arg[0]));
    return 0;
}
static uint64_t do_wait_timeout(remote_args *a)
{
    return event_wait_timeout(REMOTE_AS_PTR(a->arg[0]), (unsigned)a->arg[1]);
}
REMOTE_FUNCTIONS(do_new, do_free, do_set, do_clear, do_is_set, do_wait, do_wait_timeout);
REMOTE_LEAVES();
#endif
