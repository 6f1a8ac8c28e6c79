/* test_remote.c - carries lesson 14's API from the tests to your pipeline.c.
 *
 * The tests run in a process of their own (the judge); your code runs in
 * another (the subject). Each function below, on the tests' side, sends the
 * call to your process, where the matching do_ function makes it. You never
 * need to read or change this file: it is how the grader keeps its verdict
 * out of reach of the code it grades.
 *
 * fetch and pack belong to the tests. In your process they are stand-ins:
 * fetch asks the tests' fetch for the document (on a thread of the tests'
 * that stands for your download thread) and returns a copy from malloc;
 * pack sends the documents you give it to the tests' pack and returns when
 * it has returned. The stand-ins also note which of the strings fetch
 * handed out your code has freed, so that the tests can see when the
 * converter works (it frees each one after converting it).
 */
#include "remote.h"
#include "pipeline.h"

#include <string.h>

enum { F_CSV_TO_XML, F_RUN_PIPELINE, F_FETCHED, F_PACKED, F_PROBE };
REMOTE_NAMES("csv_to_xml", "run_pipeline", "fetch", "pack", "the tests' probe");

/* The id that stands for "no function" (NULL). */
#define NO_FN UINT64_MAX
/* A document that does not fit in one message (the tests' never come near). */
#define DOC_MAX (60u << 10)
/* The most sids one run_pipeline carries, and documents one pack. */
#define SIDS_MAX 4096
#define PACK_MAX 4096
/* What packed_doc answers for a NULL document. */
#define NULL_DOC UINT64_MAX

/* The tests' probe (pipeline_probe): what the stand-ins counted. */
enum {
    PROBE_FREED,     /* strings fetch handed out that your code has freed */
    PROBE_NOT_FREED, /* strings fetch handed out that are still not freed */
};

#ifdef REMOTE_JUDGE
#include <check.h>
#include <stdlib.h>

uint64_t pipeline_probe(int what);
uint64_t pipeline_probe(int what) { return REMOTE_CALL(F_PROBE, (uint64_t)what); }

char *csv_to_xml(const char *csv)
{
    size_t len = csv ? strlen(csv) : 0, got = 0;
    if (len > DOC_MAX)
        ck_abort_msg("the test's CSV is longer than %u bytes", DOC_MAX);
    char *out = malloc(DOC_MAX + 1);
    if (!out)
        ck_abort_msg("out of memory");
    uint64_t args[] = { csv != NULL };
    uint64_t r = remote_call_bytes(F_CSV_TO_XML, 1, args, csv, len, out, DOC_MAX, &got);
    if (r == NULL_DOC) {
        free(out);
        return NULL;
    }
    out[got] = '\0'; /* longer than DOC_MAX: cut, which no test expects */
    return out;
}

/* fetch(sid) in the tests; its document goes to the student's thread
 * (nested: that thread waits in this callback) before the answer. */
static uint64_t invoke_fetch(remote_any_fn fn, const uint64_t *arg, size_t nargs)
{
    char *doc = ((char *(*)(unsigned))fn)(nargs >= 1 ? (unsigned)arg[0] : 0);
    if (!doc)
        return 0;
    size_t len = strlen(doc), got = 0;
    if (len > DOC_MAX)
        len = DOC_MAX;
    remote_call_bytes(F_FETCHED, 0, NULL, doc, len, NULL, 0, &got);
    free(doc);
    return 1;
}

/* pack(docs, count, ctx) in the tests, with copies of the documents. */
static uint64_t invoke_pack(remote_any_fn fn, const uint64_t *arg, size_t nargs)
{
    if (nargs < 2)
        return 0;
    size_t count = arg[0] < PACK_MAX ? (size_t)arg[0] : PACK_MAX;
    char **docs = calloc(count + 1, sizeof *docs);
    char *buf = malloc(DOC_MAX + 1);
    if (!docs || !buf)
        abort();
    for (size_t i = 0; i < count; i++) {
        size_t got = 0;
        uint64_t a[] = { i };
        uint64_t len = remote_call_bytes(F_PACKED, 1, a, NULL, 0, buf, DOC_MAX, &got);
        if (len == NULL_DOC)
            continue;
        buf[got] = '\0';
        docs[i] = strdup(buf);
        if (!docs[i])
            abort();
    }
    free(buf);
    ((void (*)(char *const[], size_t, void *))fn)(docs, count, REMOTE_AS_PTR(arg[1]));
    for (size_t i = 0; i < count; i++)
        free(docs[i]);
    free(docs);
    return 0;
}

int run_pipeline(const unsigned sids[], size_t n, size_t batch,
                 char *(*fetch)(unsigned sid),
                 void (*pack)(char *const docs[], size_t count, void *ctx), void *ctx)
{
    if (n > SIDS_MAX)
        ck_abort_msg("the test gives run_pipeline more than %d sids", SIDS_MAX);
    uint32_t in[SIDS_MAX];
    for (size_t i = 0; sids && i < n; i++)
        in[i] = sids[i];
    uint64_t args[] = {
        n, batch,
        fetch ? remote_callback((remote_any_fn)fetch, invoke_fetch) : NO_FN,
        pack ? remote_callback((remote_any_fn)pack, invoke_pack) : NO_FN,
        REMOTE_PTR_ARG(ctx), sids != NULL,
    };
    size_t got = 0;
    return (int)(int64_t)remote_call_bytes(F_RUN_PIPELINE, 6, args, in,
                                           sids ? n * sizeof in[0] : 0, NULL, 0, &got);
}
#endif

#ifdef REMOTE_SUBJECT
#include <stdatomic.h>
#include <stdlib.h>

/* Only relaxed atomics below: they add no synchronisation that
 * ThreadSanitizer could credit to your code. One run_pipeline at a time
 * (the tests never overlap two). */

static _Atomic uint64_t fetch_id = NO_FN, pack_id = NO_FN, pack_ctx;

/* The strings fetch handed out: a slot is cleared when your code frees it. */
#define HANDED_MAX 4096
static _Atomic(void *) handed[HANDED_MAX];
static atomic_int nhanded;
static atomic_long nfreed;

#define RELAXED memory_order_relaxed

/* Each free() of your code, before it happens. */
static void watch_free(void *p)
{
    int n = atomic_load_explicit(&nhanded, RELAXED);
    for (int i = 0; i < n && i < HANDED_MAX; i++) {
        void *expected = p;
        if (atomic_compare_exchange_strong_explicit(&handed[i], &expected, NULL, RELAXED,
                                                    RELAXED)) {
            atomic_fetch_add_explicit(&nfreed, 1, RELAXED);
            return;
        }
    }
}

/* The document the tests' fetch returned, while this thread waits for it. */
static __thread char *arrived;

static uint64_t do_fetched(remote_args *a)
{
    char *doc = malloc(a->in_len + 1);
    if (!doc)
        abort();
    memcpy(doc, a->in, a->in_len);
    doc[a->in_len] = '\0';
    arrived = doc;
    return 0;
}

static char *fetch_stand_in(unsigned sid)
{
    arrived = NULL;
    if (!REMOTE_RUN_CALLBACK(atomic_load_explicit(&fetch_id, RELAXED), (uint64_t)sid))
        return NULL;
    char *doc = arrived;
    arrived = NULL;
    int k = atomic_fetch_add_explicit(&nhanded, 1, RELAXED);
    if (doc && k < HANDED_MAX)
        atomic_store_explicit(&handed[k], doc, RELAXED);
    return doc;
}

/* The ctx your code must pass to pack: this variable's address. */
static char ctx_token;

/* The batch this thread is packing, while the tests' pack runs. */
static __thread char *const *packing;
static __thread size_t packing_count;

static uint64_t do_packed(remote_args *a)
{
    size_t i = (size_t)a->arg[0];
    if (!packing || i >= packing_count || !packing[i])
        return NULL_DOC;
    size_t len = strlen(packing[i]), n = len < a->out_cap ? len : a->out_cap;
    memcpy(a->out, packing[i], n);
    a->out_len = n;
    return len;
}

static void pack_stand_in(char *const docs[], size_t count, void *ctx)
{
    packing = docs;
    packing_count = count;
    uint64_t test_ctx = ctx == &ctx_token ? atomic_load_explicit(&pack_ctx, RELAXED) : 0;
    REMOTE_RUN_CALLBACK(atomic_load_explicit(&pack_id, RELAXED), (uint64_t)count, test_ctx);
    packing = NULL;
    packing_count = 0;
}

/* args: n, batch, fetch's id, pack's id, the test's ctx, sids given; in: sids. */
static uint64_t do_run_pipeline(remote_args *a)
{
    size_t n = (size_t)a->arg[0];
    if (n > SIDS_MAX || (a->arg[5] && a->in_len != n * sizeof(uint32_t)))
        abort(); /* the judge never sends this */
    unsigned sids[SIDS_MAX + 1];
    for (size_t i = 0; i < n && a->arg[5]; i++) {
        uint32_t v;
        memcpy(&v, a->in + i * sizeof v, sizeof v);
        sids[i] = v;
    }
    for (int i = 0; i < HANDED_MAX; i++)
        atomic_store_explicit(&handed[i], NULL, RELAXED);
    atomic_store_explicit(&nhanded, 0, RELAXED);
    atomic_store_explicit(&nfreed, 0, RELAXED);
    atomic_store_explicit(&fetch_id, a->arg[2], RELAXED);
    atomic_store_explicit(&pack_id, a->arg[3], RELAXED);
    atomic_store_explicit(&pack_ctx, a->arg[4], RELAXED);
    remote_watch_free(watch_free);
    int rc = run_pipeline(a->arg[5] ? sids : NULL, n, (size_t)a->arg[1],
                          a->arg[2] == NO_FN ? NULL : fetch_stand_in,
                          a->arg[3] == NO_FN ? NULL : pack_stand_in, &ctx_token);
    return (uint64_t)(int64_t)rc;
}

/* args: csv given; in: the CSV; out: the XML; value: its length (NULL_DOC: NULL). */
static uint64_t do_csv_to_xml(remote_args *a)
{
    char *csv = NULL;
    if (a->arg[0]) {
        if (!(csv = malloc(a->in_len + 1)))
            abort();
        memcpy(csv, a->in, a->in_len);
        csv[a->in_len] = '\0';
    }
    char *xml = csv_to_xml(csv);
    free(csv);
    if (!xml)
        return NULL_DOC;
    size_t len = strlen(xml), n = len < a->out_cap ? len : a->out_cap;
    memcpy(a->out, xml, n);
    a->out_len = n;
    free(xml);
    return len;
}

static uint64_t do_probe(remote_args *a)
{
    if (a->arg[0] == PROBE_FREED)
        return (uint64_t)atomic_load_explicit(&nfreed, RELAXED);
    uint64_t left = 0;
    int n = atomic_load_explicit(&nhanded, RELAXED);
    for (int i = 0; i < n && i < HANDED_MAX; i++)
        left += atomic_load_explicit(&handed[i], RELAXED) != NULL;
    return left;
}

REMOTE_FUNCTIONS(do_csv_to_xml, do_run_pipeline, do_fetched, do_packed, do_probe);
REMOTE_LEAVES();
#endif
