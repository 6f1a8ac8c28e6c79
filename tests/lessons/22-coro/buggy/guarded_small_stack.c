/* BUG: 16 KiB task stacks from mmap, with a guard page below each ("an
 * overflow faults instead of corrupting the heap"): it does fault, but the
 * header promises each task 64 KiB, and a task that recurses 32 KiB deep
 * crashes.
 * expect: functional */
#include "coro.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#define STACK_BYTES (16u << 10) /* "a guard page catches overflows anyway" */

enum { READY, RUNNING, PAUSED, DONE, CANCELLED };

struct coro {
    ucontext_t ctx;
    void *(*fn)(void *);
    void *arg, *result;
    int state;
    bool stop_asked, timed_out;
    char *map;          /* guard page + stack */
    size_t map_len;
    uint64_t gen;       /* bumped whenever a pause ends: older heap entries are stale */
    coro_t *awaits;
    coro_t **awaiters;  /* tasks paused on this one */
    size_t nawaiters, capawaiters;
    coro_t *next_all;
};

typedef struct timer {
    uint64_t due, seq, gen;
    coro_t *t;
} timer;

static struct {
    ucontext_t home;
    coro_t *cur;
    coro_t **ring;               /* the run queue */
    size_t head, count, cap;
    timer *heap;
    size_t nheap, capheap;
    uint64_t seq;
    coro_t *all;
    bool oom;
} R;

static uint64_t clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool ended(const coro_t *t) { return t->state == DONE || t->state == CANCELLED; }

/* ---- run queue (ring) ------------------------------------------------------ */

static void enqueue(coro_t *t)
{
    if (R.count == R.cap) {
        size_t cap = R.cap ? R.cap * 2 : 64;
        coro_t **ring = malloc(cap * sizeof *ring);
        if (!ring) {
            R.oom = true;
            return;
        }
        for (size_t i = 0; i < R.count; i++)
            ring[i] = R.ring[(R.head + i) % R.cap];
        free(R.ring);
        R.ring = ring;
        R.head = 0;
        R.cap = cap;
    }
    R.ring[(R.head + R.count++) % R.cap] = t;
    t->state = READY;
}

static coro_t *dequeue(void)
{
    while (R.count) {
        coro_t *t = R.ring[R.head];
        R.head = (R.head + 1) % R.cap;
        R.count--;
        if (t->state == READY) /* a cancelled one is skipped */
            return t;
    }
    return NULL;
}

/* ---- timers (binary heap, lazy deletion) ----------------------------------- */

static bool before(const timer *a, const timer *b)
{
    return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void heap_push(coro_t *t, uint64_t due)
{
    if (R.nheap == R.capheap) {
        size_t cap = R.capheap ? R.capheap * 2 : 64;
        timer *h = realloc(R.heap, cap * sizeof *h);
        if (!h) {
            R.oom = true;
            return;
        }
        R.heap = h;
        R.capheap = cap;
    }
    size_t i = R.nheap++;
    R.heap[i] = (timer){ due, ++R.seq, t->gen, t };
    while (i > 0 && before(&R.heap[i], &R.heap[(i - 1) / 2])) {
        timer tmp = R.heap[i];
        R.heap[i] = R.heap[(i - 1) / 2];
        R.heap[(i - 1) / 2] = tmp;
        i = (i - 1) / 2;
    }
}

static void heap_pop(void)
{
    R.heap[0] = R.heap[--R.nheap];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < R.nheap && before(&R.heap[l], &R.heap[m]))
            m = l;
        if (r < R.nheap && before(&R.heap[r], &R.heap[m]))
            m = r;
        if (m == i)
            break;
        timer tmp = R.heap[i];
        R.heap[i] = R.heap[m];
        R.heap[m] = tmp;
        i = m;
    }
}

static bool stale(const timer *e) { return e->gen != e->t->gen || e->t->state != PAUSED; }

/* ---- awaiters ---------------------------------------------------------------- */

static void add_awaiter(coro_t *t, coro_t *w)
{
    if (t->nawaiters == t->capawaiters) {
        size_t cap = t->capawaiters ? t->capawaiters * 2 : 4;
        coro_t **a = realloc(t->awaiters, cap * sizeof *a);
        if (!a) {
            R.oom = true;
            return;
        }
        t->awaiters = a;
        t->capawaiters = cap;
    }
    t->awaiters[t->nawaiters++] = w;
}

static void drop_awaiter(coro_t *t, coro_t *w)
{
    for (size_t i = 0; i < t->nawaiters; i++) {
        if (t->awaiters[i] == w) {
            memmove(&t->awaiters[i], &t->awaiters[i + 1],
                    (t->nawaiters - i - 1) * sizeof *t->awaiters);
            t->nawaiters--;
            return;
        }
    }
}

/* A paused task goes on: its pending timer goes stale. */
static void resume_later(coro_t *t)
{
    t->gen++;
    enqueue(t);
}

static void end_task(coro_t *t, int how)
{
    t->state = how;
    t->gen++;
    for (size_t i = 0; i < t->nawaiters; i++) {
        t->awaiters[i]->awaits = NULL;
        resume_later(t->awaiters[i]);
    }
    t->nawaiters = 0;
}

/* ---- stacks and switches ------------------------------------------------------ */

static void entry(int hi, int lo)
{
    coro_t *t = (coro_t *)(((uintptr_t)(unsigned)hi << 32) | (uintptr_t)(unsigned)lo);
    t->result = t->fn(t->arg);
    end_task(t, DONE);
    swapcontext(&t->ctx, &R.home); /* never resumed */
}

static void pause_here(void)
{
    coro_t *t = R.cur;
    t->state = PAUSED;
    swapcontext(&t->ctx, &R.home);
}

static void check_stop(void)
{
    if (R.cur->stop_asked) {
        end_task(R.cur, CANCELLED);
        swapcontext(&R.cur->ctx, &R.home);
    }
}

static void unmap_stack(coro_t *t)
{
    if (t->map) {
        munmap(t->map, t->map_len);
        t->map = NULL;
    }
}

void coro_run(void *(*main_fn)(void *), void *arg)
{
    coro_t *first = coro_spawn(main_fn, arg);
    while (first && !ended(first) && !R.oom) {
        uint64_t now = clock_ns();
        while (R.nheap && (stale(&R.heap[0]) || R.heap[0].due <= now)) {
            timer e = R.heap[0];
            heap_pop();
            if (stale(&e))
                continue;
            if (e.t->awaits) { /* a limit ran out */
                drop_awaiter(e.t->awaits, e.t);
                e.t->awaits = NULL;
                e.t->timed_out = true;
            }
            resume_later(e.t);
        }
        coro_t *t = dequeue();
        if (t) {
            t->state = RUNNING;
            R.cur = t;
            swapcontext(&R.home, &t->ctx);
            R.cur = NULL;
            if (ended(t))
                unmap_stack(t);
        } else if (R.nheap) {
            uint64_t due = R.heap[0].due;
            struct timespec ts = { (time_t)(due / 1000000000u), (long)(due % 1000000000u) };
            while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
                ;
        } else {
            break;
        }
    }
    while (R.all) {
        coro_t *t = R.all;
        R.all = t->next_all;
        unmap_stack(t);
        free(t->awaiters);
        free(t);
    }
    free(R.ring);
    free(R.heap);
    memset(&R, 0, sizeof R);
}

coro_t *coro_spawn(void *(*fn)(void *), void *arg)
{
    coro_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    t->map_len = STACK_BYTES + page;
    t->map = mmap(NULL, t->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (t->map == MAP_FAILED) {
        free(t);
        return NULL;
    }
    if (mprotect(t->map, page, PROT_NONE) != 0 || getcontext(&t->ctx) != 0) {
        munmap(t->map, t->map_len);
        free(t);
        return NULL;
    }
    t->ctx.uc_stack.ss_sp = t->map + page;
    t->ctx.uc_stack.ss_size = STACK_BYTES;
    t->ctx.uc_link = NULL;
    uintptr_t p = (uintptr_t)t;
    makecontext(&t->ctx, (void (*)(void))entry, 2, (int)(unsigned)(p >> 32),
                (int)(unsigned)(p & 0xffffffffu));
    t->fn = fn;
    t->arg = arg;
    t->next_all = R.all;
    R.all = t;
    enqueue(t);
    return t;
}

void coro_sleep(unsigned ms)
{
    check_stop();
    heap_push(R.cur, clock_ns() + (uint64_t)ms * 1000000u);
    pause_here();
}

static int wait_impl(coro_t *t, bool limited, unsigned ms, bool shield, void **result)
{
    check_stop();
    coro_t *me = R.cur;
    if (!ended(t)) {
        me->awaits = t;
        me->timed_out = false;
        add_awaiter(t, me);
        if (limited)
            heap_push(me, clock_ns() + (uint64_t)ms * 1000000u);
        pause_here();
        if (me->timed_out) {
            if (!shield)
                coro_cancel(t);
            return ETIMEDOUT;
        }
    }
    if (t->state == CANCELLED)
        return ECANCELED;
    if (result)
        *result = t->result;
    return 0;
}

int coro_await(coro_t *t, void **result) { return wait_impl(t, false, 0, false, result); }

int coro_wait_for(coro_t *t, unsigned ms, void **result)
{
    return wait_impl(t, true, ms, false, result);
}

int coro_wait_for_shielded(coro_t *t, unsigned ms, void **result)
{
    return wait_impl(t, true, ms, true, result);
}

void coro_cancel(coro_t *t)
{
    if (ended(t))
        return;
    if (t == R.cur) {
        t->stop_asked = true;
        return;
    }
    if (t->awaits) {
        drop_awaiter(t->awaits, t);
        t->awaits = NULL;
    }
    end_task(t, CANCELLED); /* its heap entry goes stale; the ring skips it */
    unmap_stack(t);
}

int coro_gather(coro_t *const ts[], size_t n, void *results[], int errors[])
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        int e = coro_await(ts[i], &results[i]);
        errors[i] = e;
        if (e && !rc)
            rc = e;
    }
    return rc;
}
