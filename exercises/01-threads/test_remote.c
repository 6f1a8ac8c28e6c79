/* test_remote.c - carries lesson 01's API from the tests to your threads.c.
 *
 * The tests run in a process of their own (the judge); your code runs in
 * another (the subject). Each function below, on the tests' side, sends the
 * call to your process, where the matching do_ function makes it. You never
 * need to read or change this file: it is how the grader keeps its verdict
 * out of reach of the code it grades.
 *
 * The functions your threads call (run_all's fn, a task's run) belong to the
 * tests: in your process they are small stand-ins that ask the tests'
 * process to make the call, on a thread of its own for each of your threads,
 * and return its value. The arrays run_all takes are copied to your process
 * and results[] back; a test's task_t has a twin in your process (its `run`
 * the stand-in, its `thread` what you write there, copied back).
 */
#include "remote.h"
#include "threads.h"

#include <string.h>

enum { F_RUN_ALL, F_TASK_START, F_TASK_JOIN };
REMOTE_NAMES("run_all", "task_start", "task_join");

/* Distinct thread functions one test may give run_all: each has its own
 * stand-in in the subject (run_all's fn gets nothing but its argument). */
#define THREAD_FNS 16
/* The most calls one run_all carries (args and results fit in one message). */
#define MAX_CALLS 2048

_Static_assert(sizeof(pthread_t) <= sizeof(uint64_t), "a pthread_t travels as a uint64_t");

#ifdef REMOTE_JUDGE
#include <check.h>
#include <pthread.h>
#include <stdlib.h>

static uint64_t invoke_thread_fn(remote_any_fn fn, const uint64_t *arg, size_t nargs)
{
    void *(*f)(void *) = (void *(*)(void *))fn;
    return REMOTE_PTR_ARG(f(nargs ? REMOTE_AS_PTR(arg[0]) : NULL));
}

static uint64_t invoke_run(remote_any_fn fn, const uint64_t *arg, size_t nargs)
{
    void (*run)(task_t *) = (void (*)(task_t *))fn;
    run(nargs ? REMOTE_AS_PTR(arg[0]) : NULL);
    return 0;
}

static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;

/* The stand-in (slot) that carries thread function fn. */
static void *(*thread_fns[THREAD_FNS])(void *);
static uint64_t thread_fn_slot(void *(*fn)(void *))
{
    pthread_mutex_lock(&table_mu);
    uint64_t k = 0;
    while (k < THREAD_FNS && thread_fns[k] && thread_fns[k] != fn)
        k++;
    if (k < THREAD_FNS)
        thread_fns[k] = fn;
    pthread_mutex_unlock(&table_mu);
    if (k == THREAD_FNS)
        ck_abort_msg("the test gives run_all more than %d thread functions", THREAD_FNS);
    return k;
}

int run_all(size_t n, void *(*fn)(void *), void *const args[], void *results[])
{
    if (n > MAX_CALLS)
        ck_abort_msg("the test asks run_all for %zu calls; at most %d travel", n, MAX_CALLS);
    /* In: args[] then results[] as they are now; out: results[]. */
    uint64_t *buf = calloc(2 * n + 1, sizeof *buf);
    if (!buf)
        ck_abort_msg("out of memory");
    for (size_t i = 0; i < n; i++) {
        buf[i] = args ? REMOTE_PTR_ARG(args[i]) : 0;
        buf[n + i] = results ? REMOTE_PTR_ARG(results[i]) : 0;
    }
    uint64_t call[] = { n, remote_callback((remote_any_fn)fn, invoke_thread_fn),
                        thread_fn_slot(fn), args != NULL, results != NULL };
    size_t got = 0;
    int rc = (int)(int64_t)remote_call_bytes(F_RUN_ALL, 5, call, buf, 2 * n * sizeof *buf, buf,
                                             n * sizeof *buf, &got);
    for (size_t i = 0; results && i < n && (i + 1) * sizeof *buf <= got; i++)
        results[i] = REMOTE_AS_PTR(buf[i]);
    free(buf);
    return rc;
}

/* Each task_t of the test's and the handle of its twin in the subject. */
#define MAX_TASKS 4096
typedef struct task_twin {
    task_t *task;
    uint64_t twin;
} task_twin;
static task_twin tasks[MAX_TASKS];
static size_t ntasks;

static uint64_t twin_of(task_t *t)
{
    pthread_mutex_lock(&table_mu);
    uint64_t h = 0;
    for (size_t i = 0; i < ntasks && !h; i++)
        if (tasks[i].task == t)
            h = tasks[i].twin;
    pthread_mutex_unlock(&table_mu);
    return h;
}

static void remember_twin(task_t *t, uint64_t h)
{
    pthread_mutex_lock(&table_mu);
    bool full = ntasks == MAX_TASKS;
    if (!full)
        tasks[ntasks++] = (task_twin){ t, h };
    pthread_mutex_unlock(&table_mu);
    if (full)
        ck_abort_msg("the test starts more than %d different tasks", MAX_TASKS);
}

/* Calls task_start or task_join on t's twin (made on first use, with t's
 * `run` and `thread`), then copies the twin's `thread` into t. */
static int task_call(uint32_t fn, task_t *t)
{
    uint64_t h = twin_of(t), thread = 0, out[2] = { 0, 0 };
    memcpy(&thread, &t->thread, sizeof t->thread);
    uint64_t call[] = { h, REMOTE_PTR_ARG(t), remote_callback((remote_any_fn)t->run, invoke_run),
                        thread };
    size_t got = 0;
    int rc = (int)(int64_t)remote_call_bytes(fn, 4, call, NULL, 0, out, sizeof out, &got);
    if (got != sizeof out)
        ck_abort_msg("%s: the subject did not send the task back", remote_function_names[fn]);
    if (!h)
        remember_twin(t, out[0]);
    memcpy(&t->thread, &out[1], sizeof t->thread);
    return rc;
}

int task_start(task_t *t) { return task_call(F_TASK_START, t); }
int task_join(task_t *t) { return task_call(F_TASK_JOIN, t); }
#endif

#ifdef REMOTE_SUBJECT
#include <stdatomic.h>
#include <stdlib.h>

/* Stand-ins for the test's thread functions: slot k calls callback
 * thread_fn_ids[k] in the judge with the same argument. */
static _Atomic uint64_t thread_fn_ids[THREAD_FNS];
static void *call_thread_fn(unsigned k, void *arg)
{
    return REMOTE_AS_PTR(REMOTE_RUN_CALLBACK(atomic_load(&thread_fn_ids[k]), REMOTE_PTR_ARG(arg)));
}
#define STAND_IN(k) \
    static void *thread_fn_##k(void *arg) { return call_thread_fn(k, arg); }
STAND_IN(0) STAND_IN(1) STAND_IN(2) STAND_IN(3) STAND_IN(4) STAND_IN(5) STAND_IN(6) STAND_IN(7)
STAND_IN(8) STAND_IN(9) STAND_IN(10) STAND_IN(11) STAND_IN(12) STAND_IN(13) STAND_IN(14)
STAND_IN(15)
static void *(*const stand_ins[THREAD_FNS])(void *) = {
    thread_fn_0,  thread_fn_1,  thread_fn_2,  thread_fn_3,  thread_fn_4,  thread_fn_5,
    thread_fn_6,  thread_fn_7,  thread_fn_8,  thread_fn_9,  thread_fn_10, thread_fn_11,
    thread_fn_12, thread_fn_13, thread_fn_14, thread_fn_15,
};

/* args: n, callback id, slot, args given, results given; in: args[], results[]. */
static uint64_t do_run_all(remote_args *a)
{
    size_t n = (size_t)a->arg[0];
    unsigned slot = (unsigned)a->arg[2];
    if (n > MAX_CALLS || slot >= THREAD_FNS || a->in_len != 2 * n * sizeof(uint64_t) ||
        a->out_cap < n * sizeof(uint64_t))
        abort(); /* the judge never sends this */
    atomic_store(&thread_fn_ids[slot], a->arg[1]);
    void **args = calloc(n + 1, sizeof *args), **results = calloc(n + 1, sizeof *results);
    if (!args || !results)
        abort();
    for (size_t i = 0; i < n; i++) {
        uint64_t v[2];
        memcpy(&v[0], a->in + i * sizeof v[0], sizeof v[0]);
        memcpy(&v[1], a->in + (n + i) * sizeof v[1], sizeof v[1]);
        args[i] = REMOTE_AS_PTR(v[0]);
        results[i] = REMOTE_AS_PTR(v[1]);
    }
    int rc = run_all(n, stand_ins[slot], a->arg[3] ? args : NULL, a->arg[4] ? results : NULL);
    for (size_t i = 0; i < n; i++) {
        uint64_t v = REMOTE_PTR_ARG(results[i]);
        memcpy(a->out + i * sizeof v, &v, sizeof v);
    }
    a->out_len = n * sizeof(uint64_t);
    free(args);
    free(results);
    return (uint64_t)(int64_t)rc;
}

/* A test's task_t, in this process: `run` is the stand-in below. */
typedef struct twin {
    task_t task; /* first member: your code's task_t * is a twin * */
    uint64_t run_id, test_task;
} twin;

static void run_stand_in(task_t *self)
{
    twin *w = (twin *)self;
    REMOTE_RUN_CALLBACK(w->run_id, w->test_task);
}

/* args: twin (0: none yet), the test's task_t, its run's callback id, its
 * thread; out: the twin, its thread after the call. */
static uint64_t task_call(remote_args *a, bool start)
{
    twin *w = REMOTE_AS_PTR(a->arg[0]);
    if (!w) {
        if (!(w = calloc(1, sizeof *w)))
            abort();
        memcpy(&w->task.thread, &a->arg[3], sizeof w->task.thread);
    }
    if (start) { /* the test set run before starting */
        w->task.run = run_stand_in;
        w->run_id = a->arg[2];
        w->test_task = a->arg[1];
    }
    int rc = start ? task_start(&w->task) : task_join(&w->task);
    uint64_t out[2] = { REMOTE_PTR_ARG(w), 0 };
    memcpy(&out[1], &w->task.thread, sizeof w->task.thread);
    if (a->out_cap < sizeof out)
        abort();
    memcpy(a->out, out, sizeof out);
    a->out_len = sizeof out;
    return (uint64_t)(int64_t)rc;
}

static uint64_t do_task_start(remote_args *a) { return task_call(a, true); }
static uint64_t do_task_join(remote_args *a) { return task_call(a, false); }
REMOTE_FUNCTIONS(do_run_all, do_task_start, do_task_join);
/* task_start leaves its thread running: task_join joins it. */
REMOTE_LEAVES({ F_TASK_START, REMOTE_LEAVES_THREADS });
#endif
