/* test_remote.c - carries lesson 09's API from the tests to your local.c.
 *
 * The tests run in a process of their own (the judge); your code runs in
 * another (the subject). Each function below, on the tests' side, sends the
 * call to your process, where the matching do_ function makes it. Each of
 * the tests' threads has a thread of its own in your process, so "the
 * calling thread" in local.h means what it says: when a test thread ends,
 * its thread in your process ends too (and your thread-exit code runs). You
 * never need to read or change this file: it is how the grader keeps its
 * verdict out of reach of the code it grades.
 */
#include "remote.h"
#include "local.h"

enum { F_ADD, F_MINE, F_TOTAL, F_RESET };
REMOTE_NAMES("tally_add", "tally_mine", "tally_total", "tally_reset");

#ifdef REMOTE_JUDGE
void tally_add(long v) { REMOTE_CALL(F_ADD, (uint64_t)v); }
long tally_mine(void) { return (long)REMOTE_CALL0(F_MINE); }
long tally_total(void) { return (long)REMOTE_CALL0(F_TOTAL); }
void tally_reset(void) { REMOTE_CALL0(F_RESET); }
#endif

#ifdef REMOTE_SUBJECT
static uint64_t do_add(remote_args *a)
{
    tally_add((long)a->arg[0]);
    return 0;
}
static uint64_t do_mine(remote_args *a)
{
    (void)a;
    return (uint64_t)tally_mine();
}
static uint64_t do_total(remote_args *a)
{
    (void)a;
    return (uint64_t)tally_total();
}
static uint64_t do_reset(remote_args *a)
{
    (void)a;
    tally_reset();
    return 0;
}
REMOTE_FUNCTIONS(do_add, do_mine, do_total, do_reset);
/* No call may leave a thread running or a mutex held. */
REMOTE_LEAVES();
#endif
