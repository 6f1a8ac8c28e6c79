/* test_remote.c - carries lesson 21's API from the tests to your
 * eventloop.c, and plays the TCP clients.
 *
 * The tests run in a process of their own (the judge); your code runs in
 * another (the subject), maybe in a network namespace of its own. Each API
 * function below, on the tests' side, sends the call to your process, where
 * the matching do_ function makes it. The callbacks your loop calls
 * (on_readable, a timer's fn) belong to the tests: in your process they are
 * small stand-ins that ask the tests' process to run the test's function
 * (on a thread that stands for your loop's thread) and wait until it has
 * returned; the test's function may call the loop back (loop_unwatch,
 * loop_later, loop_stop), on your loop's thread. The pipes the tests watch
 * are made in your process by this file, not by your code. The clients are
 * the tests' own sockets on your process's network (its 127.0.0.1). You
 * never need to read or change this file.
 */
#include "remote.h"
#include "eventloop.h"
#include "test_support.h"

#include <stdio.h>
#include <string.h>

enum { F_NEW, F_FREE, F_WATCH, F_UNWATCH, F_LATER, F_RUN, F_STOP, F_ECHO_LISTEN,
       F_PIPE, F_POKE, F_DRAIN, F_CLOSE, F_IO_FAULTS, F_IO_STATS, F_LOOP_BLOCKS,
       F_CHILDREN };
REMOTE_NAMES("loop_new", "loop_free", "loop_watch", "loop_unwatch", "loop_later", "loop_run",
             "loop_stop", "loop_echo_listen", "the test's pipe", "the test's write to its pipe",
             "the test's read of its pipe", "the test's close of its pipe",
             "the test's socket faults switch", "the test's look at the descriptors",
             "the test's look at the loop's thread", "the test's look at your children");

/* The id that stands for "no function" (NULL). */
#define NO_FN UINT64_MAX

#ifdef REMOTE_JUDGE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t invoke_readable(remote_any_fn fn, const uint64_t *arg, size_t nargs)
{
    if (nargs >= 3)
        ((void (*)(loop_t *, int, void *))fn)(REMOTE_AS_PTR(arg[0]), (int)(int64_t)arg[1],
                                              REMOTE_AS_PTR(arg[2]));
    return 0;
}

static uint64_t invoke_timer(remote_any_fn fn, const uint64_t *arg, size_t nargs)
{
    if (nargs >= 2)
        ((void (*)(loop_t *, void *))fn)(REMOTE_AS_PTR(arg[0]), REMOTE_AS_PTR(arg[1]));
    return 0;
}

loop_t *loop_new(void) { return REMOTE_AS_PTR(REMOTE_CALL0(F_NEW)); }
void loop_free(loop_t *l) { REMOTE_CALL(F_FREE, REMOTE_PTR_ARG(l)); }

int loop_watch(loop_t *l, int fd, void (*on_readable)(loop_t *l, int fd, void *ctx), void *ctx)
{
    uint64_t id = on_readable ? remote_callback((remote_any_fn)on_readable, invoke_readable)
                              : NO_FN;
    return (int)REMOTE_CALL(F_WATCH, REMOTE_PTR_ARG(l), (uint64_t)(int64_t)fd, id,
                            REMOTE_PTR_ARG(ctx));
}

int loop_unwatch(loop_t *l, int fd)
{
    return (int)REMOTE_CALL(F_UNWATCH, REMOTE_PTR_ARG(l), (uint64_t)(int64_t)fd);
}

int loop_later(loop_t *l, unsigned ms, void (*fn)(loop_t *l, void *ctx), void *ctx)
{
    uint64_t id = fn ? remote_callback((remote_any_fn)fn, invoke_timer) : NO_FN;
    return (int)REMOTE_CALL(F_LATER, REMOTE_PTR_ARG(l), (uint64_t)ms, id, REMOTE_PTR_ARG(ctx));
}

void loop_run(loop_t *l) { REMOTE_CALL(F_RUN, REMOTE_PTR_ARG(l)); }
void loop_stop(loop_t *l) { REMOTE_CALL(F_STOP, REMOTE_PTR_ARG(l)); }

int loop_echo_listen(loop_t *l, uint16_t port, uint16_t *bound_port)
{
    uint64_t r = REMOTE_CALL(F_ECHO_LISTEN, REMOTE_PTR_ARG(l), (uint64_t)port);
    if (bound_port)
        *bound_port = (uint16_t)(r >> 32);
    return (int)(int32_t)(uint32_t)r;
}

/* ---- the tests' pipes ---------------------------------------------------------- */

test_pipe pipe_make(void)
{
    uint64_t r = REMOTE_CALL0(F_PIPE);
    test_pipe p = { (int)(uint32_t)r, (int)(r >> 32) };
    HARNESS_CHECK(r != UINT64_MAX, "the test could not make a pipe in your process (out of "
                  "descriptors?)");
    return p;
}

void pipe_poke(int wr, unsigned n) { REMOTE_CALL(F_POKE, (uint64_t)(int64_t)wr, (uint64_t)n); }
long pipe_drain(int rd) { return (long)REMOTE_CALL(F_DRAIN, (uint64_t)(int64_t)rd); }
void pipe_close(test_pipe p)
{
    REMOTE_CALL(F_CLOSE, (uint64_t)(int64_t)p.rd);
    REMOTE_CALL(F_CLOSE, (uint64_t)(int64_t)p.wr);
}

void io_faults(bool on) { REMOTE_CALL(F_IO_FAULTS, harness_seed(), on); }

int children_now(void) { return (int)REMOTE_CALL0(F_CHILDREN); }

uint64_t loop_blocks(char call[LOOP_CALL_NAME])
{
    size_t len = 0;
    memset(call, 0, LOOP_CALL_NAME);
    uint64_t n = remote_call_bytes(F_LOOP_BLOCKS, 0, NULL, NULL, 0, call, LOOP_CALL_NAME - 1, &len);
    call[LOOP_CALL_NAME - 1] = '\0';
    return n;
}

io_stats io_look(void)
{
    io_stats st = { 0 };
    size_t len = 0;
    remote_call_bytes(F_IO_STATS, 0, NULL, NULL, 0, &st, sizeof st, &len);
    return st;
}
#endif

#ifdef REMOTE_SUBJECT
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

/* What your loop's ctx points to: the test's function and its ctx. */
typedef struct carried {
    uint64_t fn_id, ctx;
} carried;
#define CARRIED_MAX 8192
static carried carried_pool[CARRIED_MAX];
static atomic_size_t carried_used;

static carried *carry(uint64_t fn_id, uint64_t ctx)
{
    /* Relaxed: a slot number orders nothing (for ThreadSanitizer, a seq_cst
     * counter would order every thread that adds a callback). */
    size_t i = atomic_fetch_add_explicit(&carried_used, 1, memory_order_relaxed);
    if (i >= CARRIED_MAX)
        abort(); /* a test that adds more than CARRIED_MAX callbacks is wrong */
    carried_pool[i] = (carried){ fn_id, ctx };
    return &carried_pool[i];
}

/* The on_readable your loop calls: runs the test's on_readable(l, fd, ctx). */
static void readable_stand_in(loop_t *l, int fd, void *ctx)
{
    const carried *c = ctx;
    REMOTE_RUN_CALLBACK(c->fn_id, REMOTE_PTR_ARG(l), (uint64_t)(int64_t)fd, c->ctx);
}

/* The fn your loop calls: runs the test's fn(l, ctx). */
static void timer_stand_in(loop_t *l, void *ctx)
{
    const carried *c = ctx;
    REMOTE_RUN_CALLBACK(c->fn_id, REMOTE_PTR_ARG(l), c->ctx);
}

static uint64_t do_new(remote_args *a)
{
    (void)a;
    return REMOTE_PTR_ARG(loop_new());
}

static uint64_t do_free(remote_args *a)
{
    loop_free(REMOTE_AS_PTR(a->arg[0]));
    return 0;
}

/* args: the loop, fd, the test's on_readable (NO_FN: NULL), its ctx. */
static uint64_t do_watch(remote_args *a)
{
    bool none = a->arg[2] == NO_FN;
    carried *c = none ? NULL : carry(a->arg[2], a->arg[3]);
    return (uint64_t)(uint32_t)loop_watch(REMOTE_AS_PTR(a->arg[0]), (int)(int64_t)a->arg[1],
                                          none ? NULL : readable_stand_in, c);
}

static uint64_t do_unwatch(remote_args *a)
{
    return (uint64_t)(uint32_t)loop_unwatch(REMOTE_AS_PTR(a->arg[0]), (int)(int64_t)a->arg[1]);
}

static uint64_t do_later(remote_args *a)
{
    bool none = a->arg[2] == NO_FN;
    carried *c = none ? NULL : carry(a->arg[2], a->arg[3]);
    return (uint64_t)(uint32_t)loop_later(REMOTE_AS_PTR(a->arg[0]), (unsigned)a->arg[1],
                                          none ? NULL : timer_stand_in, c);
}

/* The thread in loop_run is the loop's: the engine counts each blocking
 * call it makes on a descriptor that is not ready (intercept_io.c). */
static uint64_t do_run(remote_args *a)
{
    remote_io_loop_thread(true);
    loop_run(REMOTE_AS_PTR(a->arg[0]));
    remote_io_loop_thread(false);
    return 0;
}

static uint64_t do_stop(remote_args *a)
{
    loop_stop(REMOTE_AS_PTR(a->arg[0]));
    return 0;
}

/* Returns the error (low 32 bits) and the port (high 16 of 48). */
static uint64_t do_echo_listen(remote_args *a)
{
    uint16_t port = 0;
    int rc = loop_echo_listen(REMOTE_AS_PTR(a->arg[0]), (uint16_t)a->arg[1], &port);
    return (uint64_t)(uint32_t)rc | (uint64_t)port << 32;
}

/* The tests' pipes: plain system calls, outside your code's book. */
static uint64_t do_pipe(remote_args *a)
{
    (void)a;
    int p[2];
    if (pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0)
        return UINT64_MAX;
    return (uint64_t)(uint32_t)p[0] | (uint64_t)(uint32_t)p[1] << 32;
}

static uint64_t do_poke(remote_args *a)
{
    char buf[4096] = { 0 };
    size_t left = (size_t)a->arg[1];
    while (left > 0) {
        ssize_t n = write((int)(int64_t)a->arg[0], buf, left < sizeof buf ? left : sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        left -= (size_t)n;
    }
    return 0;
}

static uint64_t do_drain(remote_args *a)
{
    char buf[4096];
    uint64_t got = 0;
    for (;;) {
        ssize_t n = read((int)(int64_t)a->arg[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return got;
        got += (uint64_t)n;
    }
}

static uint64_t do_close(remote_args *a)
{
    close((int)(int64_t)a->arg[0]);
    return 0;
}

static uint64_t do_io_faults(remote_args *a)
{
    remote_io_faults_kinds(a->arg[0], a->arg[1] ? REMOTE_IO_SOCKETS | REMOTE_IO_EAGAIN : 0);
    return 0;
}

static uint64_t do_io_stats(remote_args *a)
{
    remote_io_stats st = remote_io_read_stats();
    io_stats out = { st.open_fds, st.short_transfers, st.eintrs, st.eagains };
    if (a->out_cap >= sizeof out) {
        memcpy(a->out, &out, sizeof out);
        a->out_len = sizeof out;
    }
    return 0;
}

/* How many calls of the loop's thread would have blocked; the first one's
 * name and line ("recv() at @HEX"). */
static uint64_t do_loop_blocks(remote_args *a)
{
    remote_io_loop_blocks b = remote_io_loop_blocked();
    if (b.first_call) {
        char where[40], text[128]; /* the judge reads LOOP_CALL_NAME - 1 bytes */
        remote_site_text(b.first_caller, where, sizeof where);
        snprintf(text, sizeof text, "%s()%s (%s %llu ms)", b.first_call, where,
                 b.blocked_now ? "blocked for" : "the longest for",
                 (unsigned long long)b.longest_ms);
        size_t n = strlen(text);
        n = n < a->out_cap ? n : a->out_cap;
        memcpy(a->out, text, n);
        a->out_len = n;
    }
    return b.count;
}

/* Your process's children, running or not (intercept_proc.c, from /proc). */
static uint64_t do_children(remote_args *a)
{
    (void)a;
    return remote_children_look().children;
}

REMOTE_FUNCTIONS(do_new, do_free, do_watch, do_unwatch, do_later, do_run, do_stop,
                 do_echo_listen, do_pipe, do_poke, do_drain, do_close, do_io_faults,
                 do_io_stats, do_loop_blocks, do_children);
/* One thread: no call may leave a thread running. */
REMOTE_LEAVES();
#endif
