/* lockorder.c - the lock-order graph and its potential deadlocks.
 *
 * An edge A -> B means some thread blocked to lock B while it held A. Each
 * edge remembers the other locks held at that moment (its "gates"), a few
 * variants of them. A cycle A -> B -> ... -> A can deadlock when its edges
 * run at the same time in different threads, unless one lock is held across
 * every edge of the cycle: then those edges exclude each other and cannot
 * overlap. So a cycle is reported only when some choice of gate variants has
 * no lock in common. Trylock and timed locks add no edges (they cannot wait
 * forever). Read-write and spin locks are locks here like mutexes, whatever
 * the mode: a read-read inversion deadlocks once a writer queues on a
 * writer-preferring lock (engine.c says more). Mutexes are named by (index, generation) keys, so a destroyed or
 * freed mutex's edges never attach to a new one at the same address.
 *
 * Everything here runs under E.mu.
 */
#include "engine_int.h"

#include <string.h>

#define LO_MAX_EDGES 4096
#define LO_HASH 4096
#define LO_VARIANTS 3
#define LO_GATES 6
#define LO_MAX_DEPTH 6
#define LO_MAX_STEPS 20000
#define LO_SOURCES 4 /* edges come from the last locks taken; older ones
                      * reach the new lock through the chain between them */

typedef struct lo_edge {
    lock_key from, to;
    int thread;            /* display id of the first thread seen doing it */
    void *site_from, *site_to;
    int nvar;
    uint8_t ngates[LO_VARIANTS];
    lock_key gates[LO_VARIANTS][LO_GATES];
    int next_out;          /* next edge from the same lock index, -1 */
    int hnext;             /* hash chain, -1 */
} lo_edge;

static lo_edge edges[LO_MAX_EDGES];
static int nedges;
static int out_head[ENG_MAX_LOCKS];
static int hash_head[LO_HASH];
static unsigned mark[ENG_MAX_LOCKS], epoch;
static int stack[LO_MAX_EDGES + 1];

static unsigned hash_of(lock_key a, lock_key b)
{
    uint64_t h = ((uint64_t)a << 32 | b) * 0x9E3779B97F4A7C15ull;
    return (unsigned)(h >> 40) % LO_HASH;
}

static bool edge_live(const lo_edge *e) { return eng_key_live(e->from) && eng_key_live(e->to); }

static void link_edge(int i)
{
    lo_edge *e = &edges[i];
    unsigned h = hash_of(e->from, e->to);
    e->hnext = hash_head[h];
    hash_head[h] = i;
    e->next_out = out_head[eng_key_index(e->from)];
    out_head[eng_key_index(e->from)] = i;
}

void lockorder_reset(void)
{
    nedges = 0;
    memset(out_head, 0xff, sizeof out_head);
    memset(hash_head, 0xff, sizeof hash_head);
}

/* Drops the edges of mutexes that no longer exist. */
static void collect(void)
{
    int kept = 0;
    for (int i = 0; i < nedges; i++)
        if (edge_live(&edges[i]))
            edges[kept++] = edges[i];
    nedges = kept;
    memset(out_head, 0xff, sizeof out_head);
    memset(hash_head, 0xff, sizeof hash_head);
    for (int i = 0; i < nedges; i++)
        link_edge(i);
}

/* ---- gates ------------------------------------------------------------------ */

static bool subset(const lock_key *a, int na, const lock_key *b, int nb)
{
    for (int i = 0; i < na; i++) {
        bool found = false;
        for (int j = 0; j < nb && !found; j++)
            found = a[i] == b[j];
        if (!found)
            return false;
    }
    return true;
}

/* Adds a gate variant unless a smaller one is already there (a variant with
 * fewer gates protects less, so it is the one that matters). Returns true
 * when the edge changed. */
static bool add_variant(lo_edge *e, const lock_key *g, int ng)
{
    for (int v = 0; v < e->nvar; v++)
        if (subset(e->gates[v], e->ngates[v], g, ng))
            return false;
    int kept = 0;
    for (int v = 0; v < e->nvar; v++) {
        if (subset(g, ng, e->gates[v], e->ngates[v]))
            continue; /* the new variant is smaller */
        if (kept != v) {
            memcpy(e->gates[kept], e->gates[v], sizeof e->gates[v]);
            e->ngates[kept] = e->ngates[v];
        }
        kept++;
    }
    e->nvar = kept < LO_VARIANTS ? kept + 1 : LO_VARIANTS;
    memcpy(e->gates[e->nvar - 1], g, (size_t)ng * sizeof *g);
    e->ngates[e->nvar - 1] = (uint8_t)ng;
    return true;
}

/* True when some choice of one variant per edge has no gate in common. */
static bool unprotected(const int *cyc, int k)
{
    int choice[LO_MAX_DEPTH + 2] = { 0 };
    for (;;) {
        const lo_edge *e0 = &edges[cyc[0]];
        bool common = false;
        for (int g = 0; g < e0->ngates[choice[0]] && !common; g++) {
            lock_key key = e0->gates[choice[0]][g];
            bool all = true;
            for (int i = 1; i < k && all; i++) {
                const lo_edge *e = &edges[cyc[i]];
                bool in = false;
                for (int j = 0; j < e->ngates[choice[i]] && !in; j++)
                    in = e->gates[choice[i]][j] == key;
                all = in;
            }
            common = all;
        }
        if (!common)
            return true;
        int i = 0;
        while (i < k && ++choice[i] >= edges[cyc[i]].nvar)
            choice[i++] = 0;
        if (i == k)
            return false;
    }
}

/* ---- cycles ----------------------------------------------------------------- */

static void report_cycle(const int *cyc, int k)
{
    if (atomic_exchange_explicit(&E.order_reported, true, memory_order_relaxed))
        return;
    char buf[3000];
    size_t len = 0;
    for (int i = 0; i < k; i++) {
        const lo_edge *e = &edges[cyc[i]];
        eng_appendf(buf, sizeof buf, &len, "%sthread %d locked lock %d (at ", i ? "; " : "",
                    e->thread, eng_key_index(e->to) + 1);
        eng_site(buf, sizeof buf, &len, e->site_to);
        eng_appendf(buf, sizeof buf, &len, ") while holding lock %d (locked at ",
                    eng_key_index(e->from) + 1);
        eng_site(buf, sizeof buf, &len, e->site_from);
        eng_appendf(buf, sizeof buf, &len, ")");
    }
    E.report("lockorder", buf);
}

typedef struct search {
    lock_key target;
    int path[LO_MAX_DEPTH + 2];
    int steps;
} search;

/* Depth-first from `at` back to s->target; path[0..depth-1] are edges. */
static bool dfs(search *s, lock_key at, int depth)
{
    for (int i = out_head[eng_key_index(at)]; i >= 0; i = edges[i].next_out) {
        const lo_edge *e = &edges[i];
        if (++s->steps > LO_MAX_STEPS)
            return false;
        if (e->from != at || !edge_live(e))
            continue;
        s->path[depth] = i;
        if (e->to == s->target) {
            if (unprotected(s->path, depth + 1)) {
                report_cycle(s->path, depth + 1);
                return true;
            }
            continue;
        }
        bool on_path = false;
        for (int j = 0; j < depth && !on_path; j++)
            on_path = edges[s->path[j]].from == e->to;
        if (!on_path && depth + 1 < LO_MAX_DEPTH && dfs(s, e->to, depth + 1))
            return true;
    }
    return false;
}

/* Is `target` reachable from `start` at all? Linear in the edges, so the
 * path enumeration below only runs when there is a cycle to judge. */
static bool reachable(lock_key start, lock_key target)
{
    if (++epoch == 0)
        epoch = 1, memset(mark, 0, sizeof mark);
    int top = 0;
    stack[top++] = eng_key_index(start);
    mark[eng_key_index(start)] = epoch;
    while (top > 0) {
        int at = stack[--top];
        for (int i = out_head[at]; i >= 0; i = edges[i].next_out) {
            const lo_edge *e = &edges[i];
            if (eng_key_index(e->from) != at || !edge_live(e))
                continue;
            if (e->to == target)
                return true;
            int nx = eng_key_index(e->to);
            if (mark[nx] != epoch && top < LO_MAX_EDGES) {
                mark[nx] = epoch;
                stack[top++] = nx;
            }
        }
    }
    return false;
}

static int find_edge(lock_key from, lock_key to)
{
    for (int i = hash_head[hash_of(from, to)]; i >= 0; i = edges[i].hnext)
        if (edges[i].from == from && edges[i].to == to)
            return i;
    return -1;
}

static void add_edge(lock_key from, lock_key to, const lock_key *g, int ng, int thread,
                     void *site_from, void *site_to)
{
    int i = find_edge(from, to);
    if (i >= 0) {
        if (!add_variant(&edges[i], g, ng))
            return;
    } else {
        if (nedges == LO_MAX_EDGES)
            collect();
        if (nedges == LO_MAX_EDGES)
            return;
        i = nedges++;
        lo_edge *e = &edges[i];
        memset(e, 0, sizeof *e);
        e->from = from;
        e->to = to;
        e->thread = thread;
        e->site_from = site_from;
        e->site_to = site_to;
        e->nvar = 1;
        memcpy(e->gates[0], g, (size_t)ng * sizeof *g);
        e->ngates[0] = (uint8_t)ng;
        link_edge(i);
    }
    if (atomic_load_explicit(&E.order_reported, memory_order_relaxed))
        return;
    if (!reachable(to, from))
        return;
    search s = { .target = from };
    s.path[0] = i;
    dfs(&s, to, 1);
}

void lockorder_acquired(int t, int lock, void *site)
{
    const eng_thread *th = &E.threads[t];
    lock_key to = eng_key(lock);
    int first = th->nheld > LO_SOURCES ? th->nheld - LO_SOURCES : 0;
    for (int i = first; i < th->nheld; i++) {
        int h = th->held[i].lock;
        if (h == lock)
            continue;
        lock_key g[LO_GATES];
        int ng = 0;
        for (int j = 0; j < th->nheld && ng < LO_GATES; j++)
            if (j != i && th->held[j].lock != lock)
                g[ng++] = eng_key(th->held[j].lock);
        add_edge(eng_key(h), to, g, ng, th->id, th->held[i].site, site);
    }
}
