/* test_remote.c - carries lesson 12's API from the tests to your turns.c.
 *
 * The tests run in a process of their own (the judge); your code runs in
 * another (the subject). take_turns below, on the tests' side, sends the
 * call to your process, where do_take_turns makes it. The `say` you are
 * given there is a stand-in: each time your threads call it, it reports the
 * call to the tests' process (which runs the tests' say(), in the order your
 * threads made the calls) and returns at once. You never
 * need to read or change this file: it is how the grader keeps its verdict
 * out of reach of the code it grades.
 */
#include "remote.h"
#include "turns.h"

enum { F_TAKE_TURNS };
REMOTE_NAMES("take_turns");

/* The id that stands for "say is NULL". */
#define NO_SAY UINT64_MAX

#ifdef REMOTE_JUDGE
/* Runs the test's say(who) when the subject's stand-in is called. */
static uint64_t invoke_say(remote_any_fn fn, const uint64_t *arg, size_t nargs)
{
    /* A malformed call names nobody: the test's checks then see a speaker
     * that does not exist. */
    ((void (*)(size_t))fn)(nargs >= 1 ? (size_t)arg[0] : (size_t)-1);
    return 0;
}

int take_turns(size_t k, size_t rounds, void (*say)(size_t who))
{
    uint64_t id = say ? remote_callback_async((remote_any_fn)say, invoke_say) : NO_SAY;
    return (int)REMOTE_CALL(F_TAKE_TURNS, (uint64_t)k, (uint64_t)rounds, id);
}
#endif

#ifdef REMOTE_SUBJECT
#include <stdatomic.h>

/* say(size_t who) has no context argument, so the stand-in cannot be told
 * which of the tests' callbacks it stands for: do_take_turns stores the id
 * here before calling take_turns, and the threads take_turns starts read it
 * (their pthread_create orders the read after the store). One id for the
 * whole process: this is right as long as two take_turns calls with
 * different callbacks never overlap, which the tests never do (each test
 * file passes the same say() to every call). Relaxed: the variable adds no
 * synchronisation that ThreadSanitizer could credit to your code. */
static _Atomic uint64_t say_id = NO_SAY;

static void say_stand_in(size_t who)
{
    REMOTE_RUN_CALLBACK(atomic_load_explicit(&say_id, memory_order_relaxed), (uint64_t)who);
}

static uint64_t do_take_turns(remote_args *a)
{
    uint64_t id = a->arg[2];
    atomic_store_explicit(&say_id, id, memory_order_relaxed);
    int rc = take_turns((size_t)a->arg[0], (size_t)a->arg[1], id == NO_SAY ? NULL : say_stand_in);
    return (uint64_t)(int64_t)rc;
}
REMOTE_FUNCTIONS(do_take_turns);
REMOTE_LEAVES();
#endif
