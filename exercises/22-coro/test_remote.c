/* test_remote.c - runs lesson 22's test scenarios in your process.
 *
 * The tests run in a process of their own (the judge); your code runs in
 * another (the subject). A task cannot call back into the judge (each task
 * would need the judge's thread to itself, and your tasks share one
 * thread), so the tasks are played here, in your process: the judge sends
 * the scenario's scripts (test_support.h), this file calls coro_run with a
 * main task that plays script 0, every task records each step it made and
 * when (the engine's virtual clock) and on which kernel thread, and the log
 * goes back to the judge, which decides. You never need to read or change
 * this file.
 */
#include "remote.h"
#include "coro.h"
#include "test_support.h"

#include <string.h>

enum { F_RUN };
REMOTE_NAMES("coro_run");

#ifdef REMOTE_JUDGE
void scenario_run(const scenario *s, run_log *out)
{
    size_t len = 0;
    memset(out, 0, sizeof *out);
    remote_call_bytes(F_RUN, 0, NULL, s, sizeof *s, out, sizeof *out, &len);
    HARNESS_CHECK(len >= offsetof(run_log, e), "the test's scenario did not come back from "
                  "your process (%zu bytes)", len);
}
#endif

#ifdef REMOTE_SUBJECT
#include "vclock.h"

#include <malloc.h>
#include <stdatomic.h>
#include <unistd.h>

static scenario sc;
static run_log out;
static atomic_uint log_n, late;
static atomic_bool in_run;
static uint64_t t0_ns;

/* Each task's id and script; coro_spawn's handles by slot. */
typedef struct task_info {
    int id, script;
} task_info;
static task_info info[SLOTS];
static coro_t *handle[SLOTS];

static void record(int task, int op, int slot, int pc, int rc, int64_t value)
{
    if (!atomic_load(&in_run))
        atomic_fetch_add(&late, 1);
    unsigned i = atomic_fetch_add(&log_n, 1);
    if (i >= LOG_MAX)
        return;
    out.e[i] = (log_entry){ .task = (uint8_t)task, .op = (uint8_t)op, .slot = (uint8_t)slot,
                            .pc = (uint8_t)pc, .rc = rc, .value = value,
                            .t_us = (vclock_now_ns() - t0_ns) / 1000,
                            .tid = (int32_t)gettid() };
}

/* About kib KiB of stack, a frame of 1 KiB at a time, every byte written. */
static __attribute__((noinline)) int64_t deep(unsigned kib)
{
    volatile char frame[1000];
    for (size_t i = 0; i < sizeof frame; i++)
        frame[i] = (char)(kib + i);
    if (kib <= 1)
        return frame[0] + frame[sizeof frame - 1];
    return deep(kib - 1) + frame[sizeof frame - 1];
}

static int64_t as_value(void *p) { return (int64_t)(intptr_t)p; }

static void *play(void *p)
{
    const task_info *ti = p;
    int id = ti->id;
    record(id, OP_START, 0, 0, 0, 0);
    for (int pc = 0; pc < STEPS; pc++) {
        const coro_step *s = &sc.script[ti->script % SCRIPTS][pc];
        void *res = (void *)(intptr_t)NO_RESULT;
        int rc = 0;
        switch (s->op) {
        case OP_SLEEP:
            coro_sleep(s->ms + (unsigned)s->value * (unsigned)id);
            record(id, OP_SLEEP, 0, pc, 0, 0);
            break;
        case OP_SPAWN: {
            int failed = 0;
            for (int k = 0; k < s->n && s->slot + k < SLOTS; k++) {
                int slot = s->slot + k;
                info[slot] = (task_info){ slot, (int)s->value };
                handle[slot] = coro_spawn(play, &info[slot]);
                failed += handle[slot] == NULL;
            }
            record(id, OP_SPAWN, s->slot, pc, failed, s->n);
            break;
        }
        case OP_AWAIT:
            rc = coro_await(handle[s->slot], &res);
            record(id, OP_AWAIT, s->slot, pc, rc, as_value(res));
            break;
        case OP_WAIT_FOR:
            rc = coro_wait_for(handle[s->slot], s->ms, &res);
            record(id, OP_WAIT_FOR, s->slot, pc, rc, as_value(res));
            break;
        case OP_WAIT_SHIELDED:
            rc = coro_wait_for_shielded(handle[s->slot], s->ms, &res);
            record(id, OP_WAIT_SHIELDED, s->slot, pc, rc, as_value(res));
            break;
        case OP_CANCEL:
            coro_cancel(handle[s->slot]);
            record(id, OP_CANCEL, s->slot, pc, 0, 0);
            break;
        case OP_GATHER: {
            void *results[SLOTS];
            int errors[SLOTS];
            size_t n = s->n < SLOTS - s->slot ? s->n : (size_t)(SLOTS - s->slot);
            for (size_t i = 0; i < n; i++) {
                results[i] = (void *)(intptr_t)NO_RESULT;
                errors[i] = -1;
            }
            rc = coro_gather(&handle[s->slot], n, results, errors);
            record(id, OP_GATHER, s->slot, pc, rc, (int64_t)n);
            for (size_t i = 0; i < n; i++)
                record(id, OP_GATHER_ITEM, s->slot + (int)i, pc, errors[i], as_value(results[i]));
            break;
        }
        case OP_RECURSE:
            record(id, OP_RECURSE, 0, pc, 0, deep(s->ms));
            break;
        case OP_RETURN:
            record(id, OP_RETURN, 0, pc, 0, s->value + id);
            return (void *)(intptr_t)(s->value + id);
        default:
            record(id, OP_END, 0, pc, 0, id);
            return (void *)(intptr_t)id;
        }
    }
    record(id, OP_END, 0, STEPS, 0, id);
    return (void *)(intptr_t)id;
}

static int64_t bytes_in_use(void)
{
    struct mallinfo2 m = mallinfo2();
    return (int64_t)(m.uordblks + m.hblkhd);
}

/* in: the scenario; out: the log. */
static uint64_t do_run(remote_args *a)
{
    memset(&sc, 0, sizeof sc);
    memcpy(&sc, a->in, a->in_len < sizeof sc ? a->in_len : sizeof sc);
    memset(&out, 0, offsetof(run_log, e));
    memset(handle, 0, sizeof handle);
    atomic_store(&log_n, 0);
    atomic_store(&late, 0);
    info[0] = (task_info){ 0, 0 };
    out.runner_tid = (int32_t)gettid();
    remote_procs_reset();
    out.bytes_before = bytes_in_use();
    t0_ns = vclock_now_ns();
    atomic_store(&in_run, true);
    coro_run(play, &info[0]);
    atomic_store(&in_run, false);
    out.end_us = (vclock_now_ns() - t0_ns) / 1000;
    out.bytes_after = bytes_in_use();
    out.forks = remote_procs_read().forks;
    out.n = atomic_load(&log_n);
    out.late = atomic_load(&late);
    uint32_t k = out.n < LOG_MAX ? out.n : LOG_MAX;
    size_t len = offsetof(run_log, e) + k * sizeof(log_entry);
    if (len > a->out_cap)
        len = a->out_cap;
    memcpy(a->out, &out, len);
    a->out_len = len;
    return 0;
}

REMOTE_FUNCTIONS(do_run);
/* One thread: no call may leave a thread running. */
REMOTE_LEAVES();
#endif
