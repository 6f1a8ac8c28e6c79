/* test_remote.c - carries lesson 08's API from the tests to your queue.c.
 *
 * The tests run in a process of their own (the judge); your code runs in
 * another (the subject). Each function below, on the tests' side, sends the
 * call to your process, where the matching do_ function makes it. You never
 * need to read or change this file: it is how the grader keeps its verdict
 * out of reach of the code it grades.
 *
 * Items travel as numbers (the tests' items are small integers cast to
 * pointers). tsq_get comes back as one number, so that a stress test can
 * repeat it and read every result: its return value in the top 16 bits,
 * the item in the low 48 (GET_RC, GET_ITEM).
 */
#include "remote.h"
#include "queue.h"

#include <stdint.h>

enum { F_NEW, F_FREE, F_PUT, F_GET, F_SIZE, F_TASK_DONE, F_JOIN };
REMOTE_NAMES("tsq_new", "tsq_free", "tsq_put", "tsq_get", "tsq_size", "tsq_task_done",
             "tsq_join");

#define GET_ITEM_MASK ((UINT64_C(1) << 48) - 1)
#define GET_RC(v) ((int)(int16_t)(uint16_t)((v) >> 48))
#define GET_ITEM(v) ((v) & GET_ITEM_MASK)

#ifdef REMOTE_JUDGE
tsq_t *tsq_new(tsq_kind kind, size_t maxsize)
{
    return REMOTE_AS_PTR(REMOTE_CALL(F_NEW, (uint64_t)(int64_t)kind, (uint64_t)maxsize));
}
void tsq_free(tsq_t *q) { REMOTE_CALL(F_FREE, REMOTE_PTR_ARG(q)); }
int tsq_put(tsq_t *q, void *item, int prio, int timeout_ms)
{
    return (int)(int64_t)REMOTE_CALL(F_PUT, REMOTE_PTR_ARG(q), REMOTE_PTR_ARG(item),
                                     (uint64_t)(int64_t)prio, (uint64_t)(int64_t)timeout_ms);
}
int tsq_get(tsq_t *q, void **item, int timeout_ms)
{
    uint64_t v = REMOTE_CALL(F_GET, REMOTE_PTR_ARG(q), (uint64_t)(int64_t)timeout_ms);
    if (GET_RC(v) == 0)
        *item = REMOTE_AS_PTR(GET_ITEM(v));
    return GET_RC(v);
}
size_t tsq_size(tsq_t *q) { return (size_t)REMOTE_CALL(F_SIZE, REMOTE_PTR_ARG(q)); }
void tsq_task_done(tsq_t *q) { REMOTE_CALL(F_TASK_DONE, REMOTE_PTR_ARG(q)); }
void tsq_join(tsq_t *q) { REMOTE_CALL(F_JOIN, REMOTE_PTR_ARG(q)); }
#endif

#ifdef REMOTE_SUBJECT
static uint64_t do_new(remote_args *a)
{
    return REMOTE_PTR_ARG(tsq_new((tsq_kind)(int64_t)a->arg[0], (size_t)a->arg[1]));
}
static uint64_t do_free(remote_args *a)
{
    tsq_free(REMOTE_AS_PTR(a->arg[0]));
    return 0;
}
static uint64_t do_put(remote_args *a)
{
    return (uint64_t)(int64_t)tsq_put(REMOTE_AS_PTR(a->arg[0]), REMOTE_AS_PTR(a->arg[1]),
                                      (int)(int64_t)a->arg[2], (int)(int64_t)a->arg[3]);
}
static uint64_t do_get(remote_args *a)
{
    void *item = NULL;
    int rc = tsq_get(REMOTE_AS_PTR(a->arg[0]), &item, (int)(int64_t)a->arg[1]);
    if (rc != 0)
        item = NULL; /* whatever the code left in it: not an item */
    if (rc < INT16_MIN || rc > INT16_MAX)
        rc = INT16_MIN; /* shown as "returned -32768": neither 0 nor EAGAIN */
    return (uint64_t)(uint16_t)(int16_t)rc << 48 | ((uint64_t)(uintptr_t)item & GET_ITEM_MASK);
}
static uint64_t do_size(remote_args *a) { return (uint64_t)tsq_size(REMOTE_AS_PTR(a->arg[0])); }
static uint64_t do_task_done(remote_args *a)
{
    tsq_task_done(REMOTE_AS_PTR(a->arg[0]));
    return 0;
}
static uint64_t do_join(remote_args *a)
{
    tsq_join(REMOTE_AS_PTR(a->arg[0]));
    return 0;
}
REMOTE_FUNCTIONS(do_new, do_free, do_put, do_get, do_size, do_task_done, do_join);
/* A queue starts no thread and every call returns with its lock released. */
REMOTE_LEAVES();
#endif
