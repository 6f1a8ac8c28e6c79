/* test_remote.c - carries lesson 18's API from the tests to your mpqueue.c.
 *
 * The tests run in a process of their own (the judge); your code runs in
 * another (the subject). Each function below, on the tests' side, sends the
 * call to your process, where the matching do_ function makes it: items
 * travel as their bytes. An item you are given to put lies at the very end
 * of a page with no page after it (reading past item_size bytes crashes);
 * an item you get is written into a buffer followed by guard bytes (writing
 * past item_size bytes is seen).
 *
 * Child processes: the tests ask this file to fork children that put or
 * get items on your queue (test_support.h's KIDS_*). What a child got
 * comes back to the tests on a pipe of this file's own, one record per
 * item, never as a count your code keeps; each child calls mpq_free once
 * and checks in /proc/self/maps that the queue's mappings are gone. The
 * tests judge what came. You never need to read or change this file.
 */
#include "remote.h"
#include "mpqueue.h"
#include "test_support.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { F_NEW, F_FREE, F_PUT, F_GET, F_GET_TIMEOUT, F_SPAWN, F_COLLECT, F_LEFT_MAPPED };
REMOTE_NAMES("mpq_new", "mpq_free", "mpq_put", "mpq_get", "mpq_get_timeout",
             "the test's start of child processes that use your queue",
             "the test's wait for those child processes",
             "the test's look at your process's mappings after mpq_free");

/* What a get brings back: its value, whether it wrote past the item, then
 * the item's bytes. */
typedef struct get_answer {
    int32_t rc;
    uint32_t overran;
} get_answer;

#ifdef REMOTE_JUDGE
#include <pthread.h>

/* Each queue's item size, as the tests made it: the judge sends and
 * expects that many bytes. */
#define QUEUES 16
static struct {
    uint64_t handle;
    size_t item_size;
} queues[QUEUES];
static pthread_mutex_t queues_lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local bool overran;

static size_t size_of(mpq_t *q)
{
    size_t size = 0;
    pthread_mutex_lock(&queues_lock);
    for (int i = 0; i < QUEUES; i++)
        if (queues[i].handle == REMOTE_PTR_ARG(q) && q != NULL)
            size = queues[i].item_size;
    pthread_mutex_unlock(&queues_lock);
    if (size == 0)
        ck_abort_msg("the tests used a queue mpq_new never gave them");
    return size;
}

mpq_t *mpq_new(size_t capacity, size_t item_size)
{
    uint64_t h = REMOTE_CALL(F_NEW, capacity, item_size);
    if (h != 0 && item_size > 0) {
        if (item_size > MAX_ITEM)
            ck_abort_msg("the tests use items of at most %d bytes", MAX_ITEM);
        pthread_mutex_lock(&queues_lock);
        int slot = 0;
        for (int i = 0; i < QUEUES; i++)
            if (queues[i].handle == h || queues[i].handle == 0) {
                slot = i;
                break;
            }
        queues[slot].handle = h;
        queues[slot].item_size = item_size;
        pthread_mutex_unlock(&queues_lock);
    }
    return REMOTE_AS_PTR(h);
}

void mpq_free(mpq_t *q) { REMOTE_CALL(F_FREE, REMOTE_PTR_ARG(q)); }

int mpq_put(mpq_t *q, const void *item)
{
    size_t size = size_of(q);
    uint64_t args[2] = { REMOTE_PTR_ARG(q), size };
    size_t len = 0;
    return (int)(int64_t)remote_call_bytes(F_PUT, 2, args, item, size, NULL, 0, &len);
}

static int get_call(uint32_t fn, mpq_t *q, void *item, unsigned ms)
{
    static _Thread_local unsigned char trip[sizeof(get_answer) + MAX_ITEM];
    size_t size = size_of(q);
    uint64_t args[3] = { REMOTE_PTR_ARG(q), size, ms };
    size_t len = 0;
    remote_call_bytes(fn, 3, args, NULL, 0, trip, sizeof trip, &len);
    /* What came is the subject's word: its length is checked before use. */
    if (len != sizeof(get_answer) + size)
        ck_abort_msg("%s's answer did not come back whole", remote_function_names[fn]);
    get_answer a;
    memcpy(&a, trip, sizeof a);
    memcpy(item, trip + sizeof a, size);
    overran = a.overran != 0;
    return a.rc;
}

int mpq_get(mpq_t *q, void *item) { return get_call(F_GET, q, item, 0); }
int mpq_get_timeout(mpq_t *q, void *item, unsigned ms)
{
    return get_call(F_GET_TIMEOUT, q, item, ms);
}
bool last_get_overran(void) { return overran; }

int kids_spawn(mpq_t *q, size_t item_size, int role, size_t count, size_t n, uint32_t base)
{
    return (int)(int64_t)REMOTE_CALL(F_SPAWN, REMOTE_PTR_ARG(q), item_size, (uint64_t)role,
                                     count, n, base);
}

size_t kids_collect(kids_report *r, kid_record *rec, size_t cap)
{
    static _Thread_local unsigned char trip[sizeof(kids_report) +
                                            MAX_RECORDS * sizeof(kid_record)];
    size_t len = 0;
    remote_call_bytes(F_COLLECT, 0, NULL, NULL, 0, trip, sizeof trip, &len);
    if (len < sizeof *r)
        ck_abort_msg("the children's records did not come back whole");
    memcpy(r, trip, sizeof *r);
    if (r->records > MAX_RECORDS || len != sizeof *r + r->records * sizeof(kid_record))
        ck_abort_msg("the children's records did not come back whole");
    size_t n = r->records < cap ? r->records : cap;
    memcpy(rec, trip + sizeof *r, n * sizeof *rec);
    return n;
}

unsigned queue_left_mapped(void) { return (unsigned)REMOTE_CALL0(F_LEFT_MAPPED); }
#endif

#ifdef REMOTE_SUBJECT
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- the queue's own mappings, from /proc/self/maps ------------------ */

#define RANGES 64
typedef struct range {
    uintptr_t lo, hi;
} range;

/* The shared (rw-s) mappings of this process now: how many, up to cap. */
static size_t shared_maps(range *out, size_t cap)
{
    FILE *f = fopen("/proc/self/maps", "re");
    size_t n = 0;
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && perms[3] == 's' && n < cap)
            out[n++] = (range){ lo, hi };
    }
    if (f)
        fclose(f);
    return n;
}

/* The mappings mpq_new made (new shared ones), kept for the last queue. */
static range queue_maps[RANGES];
static size_t queue_nmaps;

static unsigned still_mapped(void)
{
    range now[RANGES];
    size_t n = shared_maps(now, RANGES);
    unsigned left = 0;
    for (size_t i = 0; i < queue_nmaps; i++)
        for (size_t k = 0; k < n; k++)
            if (now[k].lo < queue_maps[i].hi && queue_maps[i].lo < now[k].hi) {
                left++;
                break;
            }
    return left;
}

static uint64_t do_new(remote_args *a)
{
    range before[RANGES], after[RANGES];
    size_t nb = shared_maps(before, RANGES);
    mpq_t *q = mpq_new((size_t)a->arg[0], (size_t)a->arg[1]);
    size_t na = shared_maps(after, RANGES);
    queue_nmaps = 0;
    for (size_t i = 0; i < na; i++) {
        bool old = false;
        for (size_t k = 0; k < nb && !old; k++)
            old = before[k].lo == after[i].lo && before[k].hi == after[i].hi;
        if (!old && queue_nmaps < RANGES)
            queue_maps[queue_nmaps++] = after[i];
    }
    return REMOTE_PTR_ARG(q);
}

static unsigned left_after_free;

static uint64_t do_free(remote_args *a)
{
    mpq_free(REMOTE_AS_PTR(a->arg[0]));
    left_after_free = still_mapped();
    return 0;
}

static uint64_t do_left_mapped(remote_args *a)
{
    (void)a;
    return left_after_free;
}

/* A buffer of `size` bytes that ends where an inaccessible page begins. */
typedef struct guarded {
    unsigned char *base, *item;
    size_t len;
} guarded;

static bool guarded_new(guarded *g, size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    g->len = (size + page - 1) / page * page + page;
    g->base = mmap(NULL, g->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g->base == MAP_FAILED)
        return false;
    if (mprotect(g->base + g->len - page, page, PROT_NONE) != 0) {
        munmap(g->base, g->len);
        return false;
    }
    g->item = g->base + g->len - page - size;
    return true;
}

static void guarded_free(guarded *g) { munmap(g->base, g->len); }

/* arg: q, item_size; the item in the blob. */
static uint64_t do_put(remote_args *a)
{
    size_t size = (size_t)a->arg[1];
    guarded g;
    if (size == 0 || size > MAX_ITEM || a->in_len != size || !guarded_new(&g, size))
        return (uint64_t)(int64_t)-1;
    memcpy(g.item, a->in, size);
    int rc = mpq_put(REMOTE_AS_PTR(a->arg[0]), g.item);
    guarded_free(&g);
    return (uint64_t)(int64_t)rc;
}

#define GUARD 64
#define GUARD_BYTE 0xa5

/* Gets into a buffer followed by GUARD bytes; true when they changed. */
static bool guarded_get(mpq_t *q, unsigned char *buf, size_t size, bool timed, unsigned ms,
                        int *rc)
{
    memset(buf, 0, size);
    memset(buf + size, GUARD_BYTE, GUARD);
    *rc = timed ? mpq_get_timeout(q, buf, ms) : mpq_get(q, buf);
    for (size_t k = 0; k < GUARD; k++)
        if (buf[size + k] != GUARD_BYTE)
            return true;
    return false;
}

/* arg: q, item_size, ms. */
static uint64_t get_common(remote_args *a, bool timed)
{
    static _Thread_local unsigned char buf[MAX_ITEM + GUARD];
    size_t size = (size_t)a->arg[1];
    if (size == 0 || size > MAX_ITEM || a->out_cap < sizeof(get_answer) + size)
        return 0;
    int rc;
    get_answer ans = { 0, 0 };
    ans.overran = guarded_get(REMOTE_AS_PTR(a->arg[0]), buf, size, timed, (unsigned)a->arg[2],
                              &rc);
    ans.rc = rc;
    memcpy(a->out, &ans, sizeof ans);
    memcpy(a->out + sizeof ans, buf, size);
    a->out_len = sizeof ans + size;
    return 0;
}

static uint64_t do_get(remote_args *a) { return get_common(a, false); }
static uint64_t do_get_timeout(remote_args *a) { return get_common(a, true); }

/* ---- child processes ------------------------------------------------- */

#define KIDS_MAX 32
static pid_t kids[KIDS_MAX];
static size_t nkids;
static int rec_pipe[2] = { -1, -1 };
static bool kids_failed;

static void send_record(uint16_t kid, uint16_t kind, uint32_t value)
{
    kid_record r = { value, kid, kind };
    ssize_t w;
    while ((w = write(rec_pipe[1], &r, sizeof r)) < 0 && errno == EINTR)
        ;
}

/* The body of child `kid`: puts first, first + 1, ... (n items), or gets
 * n items; never returns. */
static void kid_run(mpq_t *q, size_t size, int role, uint16_t kid, size_t n, uint32_t first)
{
    close(rec_pipe[0]);
    guarded g;
    static unsigned char buf[MAX_ITEM + GUARD];
    if (!guarded_new(&g, size))
        _exit(70);
    for (size_t i = 0; i < n; i++) {
        int rc;
        if (role == KIDS_PUT) {
            item_fill(g.item, size, first + (uint32_t)i);
            if ((rc = mpq_put(q, g.item)) != 0) {
                send_record(kid, REC_PUT_ERR, (uint32_t)rc);
                break;
            }
            continue;
        }
        bool over = guarded_get(q, buf, size, false, 0, &rc);
        if (rc != 0) {
            send_record(kid, REC_GET_ERR, (uint32_t)rc);
            break;
        }
        int64_t v = item_value(buf, size);
        if (over)
            send_record(kid, REC_OVERRUN, 0);
        send_record(kid, v < 0 ? REC_TORN : REC_GOT, v < 0 ? 0 : (uint32_t)v);
    }
    mpq_free(q);
    unsigned left = still_mapped();
    if (left)
        send_record(kid, REC_LEFT_MAPPED, left);
    _exit(0);
}

/* arg: q, item_size, role, count, n, base. */
static uint64_t do_spawn(remote_args *a)
{
    mpq_t *q = REMOTE_AS_PTR(a->arg[0]);
    size_t size = (size_t)a->arg[1], count = (size_t)a->arg[3], n = (size_t)a->arg[4];
    int role = (int)a->arg[2];
    uint32_t base = (uint32_t)a->arg[5];
    if (size == 0 || size > MAX_ITEM || nkids + count > KIDS_MAX || n > MAX_RECORDS) {
        kids_failed = true;
        return EINVAL;
    }
    if (rec_pipe[0] < 0) {
        if (pipe2(rec_pipe, O_CLOEXEC) != 0) {
            kids_failed = true;
            return (uint64_t)errno;
        }
        fcntl(rec_pipe[1], F_SETPIPE_SZ, 1 << 20); /* room for every record */
    }
    for (size_t c = 0; c < count; c++) {
        uint16_t kid = (uint16_t)nkids;
        pid_t pid = fork();
        if (pid < 0) {
            kids_failed = true;
            return (uint64_t)errno;
        }
        if (pid == 0)
            kid_run(q, size, role, kid, n, base + (uint32_t)(c * n));
        kids[nkids++] = pid;
    }
    return 0;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); /* the grader's own: real time */
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static uint64_t do_collect(remote_args *a)
{
    kids_report r;
    memset(&r, 0, sizeof r);
    size_t cap = (a->out_cap - sizeof r) / sizeof(kid_record);
    if (cap > MAX_RECORDS)
        cap = MAX_RECORDS;
    kid_record *rec = (kid_record *)(a->out + sizeof r);
    r.spawned = (uint32_t)nkids;
    r.spare = kids_failed;
    if (rec_pipe[1] >= 0) {
        close(rec_pipe[1]);
        rec_pipe[1] = -1;
    }
    double quiet_since = now_ms();
    while (rec_pipe[0] >= 0) {
        struct pollfd p = { rec_pipe[0], POLLIN, 0 };
        int k = poll(&p, 1, 100);
        if (k < 0 && errno != EINTR)
            break;
        if (k <= 0) {
            if (now_ms() - quiet_since > 4000) {
                r.hung = 1;
                for (size_t i = 0; i < nkids; i++)
                    kill(kids[i], SIGKILL);
                break;
            }
            continue;
        }
        kid_record one;
        ssize_t got = read(rec_pipe[0], &one, sizeof one);
        if (got == 0)
            break; /* every child has ended */
        if (got != (ssize_t)sizeof one)
            continue;
        quiet_since = now_ms();
        if (r.records < cap)
            rec[r.records++] = one;
        else
            r.dropped++;
    }
    for (size_t i = 0; i < nkids; i++) {
        int st;
        pid_t w;
        while ((w = waitpid(kids[i], &st, 0)) < 0 && errno == EINTR)
            ;
        if (w == kids[i] && WIFEXITED(st) && WEXITSTATUS(st) == 0)
            r.exited_ok++;
        else if (w == kids[i] && WIFSIGNALED(st) && r.killed_by == 0 && !r.hung)
            r.killed_by = (uint32_t)WTERMSIG(st);
    }
    if (rec_pipe[0] >= 0)
        close(rec_pipe[0]);
    rec_pipe[0] = -1;
    nkids = 0;
    kids_failed = false;
    memcpy(a->out, &r, sizeof r);
    a->out_len = sizeof r + r.records * sizeof(kid_record);
    return 0;
}

REMOTE_FUNCTIONS(do_new, do_free, do_put, do_get, do_get_timeout, do_spawn, do_collect,
                 do_left_mapped);
/* No function may leave a thread running, detached, or a mutex held. */
REMOTE_LEAVES();
#endif
