/* test_support.h - lesson 14's test helpers, shared by the public tests and
 * the grader's hidden tests: made-up stock documents (the CSV and the XML
 * it must become), the tests' fetch and pack, which record what the
 * pipeline did with them, and the checks run after run_pipeline returns.
 * Tests only; nothing here is part of the lesson's API. The helpers every
 * lesson may use are in grader/harness/harness.h. */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include "harness.h"
#include "pipeline.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* test_remote.c: what the stand-ins in your process counted. */
uint64_t pipeline_probe(int what);
#define PROBE_FREED 0     /* strings fetch handed out that your code has freed */
#define PROBE_NOT_FREED 1 /* ... and those still not freed */

/* ---- csv_to_xml ------------------------------------------------------------ */

/* csv_to_xml(csv) must give exactly `want`. */
static inline void check_xml(const char *what, const char *csv, const char *want)
{
    char *got = csv_to_xml(csv);
    ck_assert_msg(got != NULL, "%s: csv_to_xml returned NULL", what);
    if (strcmp(got, want) != 0) {
        size_t i = 0;
        while (got[i] && got[i] == want[i])
            i++;
        ck_abort_msg("%s: csv_to_xml gave\n  %s\nexpected\n  %s\n(they differ from byte %zu: "
                     "\"%.30s\" where \"%.30s\" was expected)\nfor the CSV: \"%s\"",
                     what, got, want, i, got + i, want + i, csv);
    }
    free(got);
}

/* ---- the documents of one run ------------------------------------------------ */

#define DOCS_MAX 96
#define PACKS_MAX 256

typedef struct doc {
    unsigned sid;
    char csv[512], xml[768]; /* the CSV and its XML by the rules */
    char *want;              /* what your csv_to_xml gives for it: what pack must get */
    bool fails;       /* fetch returns NULL */
    double delay_ms;  /* fetch sleeps this long first (virtual time: exact) */
    atomic_int fetched, packed;
    atomic_int fetch_thread;
} doc;

static struct run {
    doc docs[DOCS_MAX];
    size_t n, batch;
    int caller;                      /* harness_thread_id() of run_pipeline's caller */
    atomic_int in_flight, max_in_flight;
    atomic_int npacks;
    int pack_count[PACKS_MAX];       /* count of each pack call, in call order */
    int pack_thread[PACKS_MAX];
    double pack_hold_ms;             /* each pack sleeps this long (virtual time) */
    bool watch_converter;            /* count conversions during each pack */
    atomic_long progress;            /* fetches and packs: the stall watch's counter */
    bool hold_fetches;               /* each fetch returns once all n have begun */
    atomic_int arrived;              /* ...how many have begun */
    pthread_mutex_t mu;
    char why[700];                   /* the first thing that went wrong in a callback */
} R = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* Notes the first problem a callback saw (checked after run_pipeline). */
#define NOTE(...)                                                                     \
    do {                                                                              \
        pthread_mutex_lock(&R.mu);                                                    \
        if (!R.why[0])                                                                \
            snprintf(R.why, sizeof R.why, __VA_ARGS__);                              \
        pthread_mutex_unlock(&R.mu);                                                  \
    } while (0)

/* Document i of the run: sid, a few rows of quotes whose values need
 * quoting and escaping, line ends \n or \r\n. */
static inline void make_doc(size_t i, unsigned sid)
{
    doc *d = &R.docs[i];
    memset(d, 0, sizeof *d);
    d->sid = sid;
    const char *eol = i % 2 ? "\r\n" : "\n";
    int c = snprintf(d->csv, sizeof d->csv, "Sid,Date,Close Price,Note%s", eol);
    int x = snprintf(d->xml, sizeof d->xml, "<data>");
    int rows = 1 + (int)(sid % 3);
    for (int r = 0; r < rows; r++) {
        int cents = (int)((sid * 7u + (unsigned)r * 13u) % 100u);
        if (r % 2 == 0) {
            c += snprintf(d->csv + c, sizeof d->csv - (size_t)c,
                          "%u,2015-01-0%d,\"1,%03u.%02d\",A&B <%d>%s", sid, r + 5,
                          sid % 1000u, cents, r, eol);
            x += snprintf(d->xml + x, sizeof d->xml - (size_t)x,
                          "<row><Sid>%u</Sid><Date>2015-01-0%d</Date><ClosePrice>1,%03u.%02d"
                          "</ClosePrice><Note>A&amp;B &lt;%d&gt;</Note></row>",
                          sid, r + 5, sid % 1000u, cents, r);
        } else {
            c += snprintf(d->csv + c, sizeof d->csv - (size_t)c,
                          "%u,2015-01-0%d,%d.%02d,\"say \"\"hi\"\"\"%s", sid, r + 5, r, cents,
                          eol);
            x += snprintf(d->xml + x, sizeof d->xml - (size_t)x,
                          "<row><Sid>%u</Sid><Date>2015-01-0%d</Date><ClosePrice>%d.%02d"
                          "</ClosePrice><Note>say \"hi\"</Note></row>",
                          sid, r + 5, r, cents);
        }
    }
    snprintf(d->xml + x, sizeof d->xml - (size_t)x, "</data>");
}

/* A fresh run of n documents (sids from the seed, all different). */
static inline void run_reset(size_t n, size_t batch)
{
    ck_assert(n <= DOCS_MAX);
    unsigned base = 600000u + (unsigned)(harness_rand() % 1000u) * 100u;
    for (size_t i = 0; i < R.n; i++)
        free(R.docs[i].want);
    for (size_t i = 0; i < n; i++) {
        make_doc(i, base + (unsigned)i * 7u);
        /* The pipeline is graded on its own: pack must get what your
         * csv_to_xml makes of each CSV (the xml_ tests grade that). */
        R.docs[i].want = csv_to_xml(R.docs[i].csv);
        if (!R.docs[i].want)
            R.docs[i].want = strdup(R.docs[i].xml);
        ck_assert(R.docs[i].want != NULL);
    }
    R.n = n;
    R.batch = batch;
    atomic_store(&R.in_flight, 0);
    atomic_store(&R.max_in_flight, 0);
    atomic_store(&R.npacks, 0);
    atomic_store(&R.progress, 0);
    R.pack_hold_ms = 0;
    R.watch_converter = false;
    R.hold_fetches = false;
    atomic_store(&R.arrived, 0);
    R.why[0] = '\0';
}

static inline doc *doc_of_sid(unsigned sid)
{
    for (size_t i = 0; i < R.n; i++)
        if (R.docs[i].sid == sid)
            return &R.docs[i];
    return NULL;
}

/* The tests' fetch: records, sleeps if asked, returns a copy of the CSV. */
static inline char *test_fetch(unsigned sid)
{
    doc *d = doc_of_sid(sid);
    if (!d) {
        NOTE("fetch was called with sid %u, which is not one of the sids given to "
             "run_pipeline", sid);
        return NULL;
    }
    int me = harness_thread_id();
    if (atomic_fetch_add(&d->fetched, 1) == 0)
        atomic_store(&d->fetch_thread, me);
    else
        NOTE("fetch(%u) was called twice: each sid is downloaded once", sid);
    int now = atomic_fetch_add(&R.in_flight, 1) + 1;
    int max = atomic_load(&R.max_in_flight);
    while (now > max && !atomic_compare_exchange_weak(&R.max_in_flight, &max, now))
        ;
    if (R.hold_fetches) {
        /* Every download thread has started before any hands its document
         * on: their hand-overs follow no creation of another, whatever the
         * load. Bounded: code that does not start them all at once is the
         * timing tests' business. */
        atomic_fetch_add(&R.arrived, 1);
        harness_patience wait = harness_patience_start(2000);
        while (atomic_load(&R.arrived) < (int)R.n && harness_patience_nap(&wait))
            ;
    }
    if (d->delay_ms > 0)
        harness_sleep_ms(d->delay_ms);
    atomic_fetch_sub(&R.in_flight, 1);
    atomic_fetch_add(&R.progress, 1);
    if (d->fails)
        return NULL;
    char *s = strdup(d->csv);
    ck_assert(s != NULL);
    return s;
}

/* The document whose XML `xml` is (one not packed yet first), or NULL. */
static inline doc *doc_of_xml(const char *xml)
{
    doc *found = NULL;
    for (size_t i = 0; i < R.n; i++) {
        doc *d = &R.docs[i];
        if (d->fails || strcmp(d->want, xml) != 0)
            continue;
        if (atomic_load(&d->packed) == 0)
            return d;
        found = found ? found : d;
    }
    return found;
}

/* The tests' pack: each document must be the XML of a fetched CSV, packed
 * once; with watch_converter, the converter must not run meanwhile. */
static inline void test_pack(char *const docs[], size_t count, void *ctx)
{
    int k = atomic_fetch_add(&R.npacks, 1);
    if (k < PACKS_MAX) {
        R.pack_count[k] = (int)count;
        R.pack_thread[k] = harness_thread_id();
    }
    if (ctx != (void *)&R)
        NOTE("pack was given ctx %p, not the ctx given to run_pipeline (%p)", ctx, (void *)&R);
    if (count == 0)
        NOTE("pack was called with count 0: call it only with documents to pack");
    if (count > R.batch)
        NOTE("pack was called with %zu documents; the batch is %zu", count, R.batch);
    for (size_t i = 0; i < count && i < R.batch; i++) {
        if (!docs[i]) {
            NOTE("pack was given a NULL document (docs[%zu] of %zu)", i, count);
            continue;
        }
        doc *d = doc_of_xml(docs[i]);
        if (!d) {
            NOTE("pack was given a document that is not what csv_to_xml makes of any fetched "
                 "CSV: \"%.300s\"", docs[i]);
        } else if (atomic_fetch_add(&d->packed, 1) > 0) {
            NOTE("the document of sid %u was packed twice (again in pack call %d)", d->sid,
                 k + 1);
        }
    }
    atomic_fetch_add(&R.progress, 1);
    if (R.watch_converter) {
        /* First let everything that followed the hand-over settle (the
         * clock moves only when every thread waits), then hold the pack
         * while more documents arrive: the converter must not touch them. */
        harness_sleep_ms(5);
        uint64_t before = pipeline_probe(PROBE_FREED);
        harness_sleep_ms(R.pack_hold_ms);
        uint64_t after = pipeline_probe(PROBE_FREED);
        if (after != before)
            NOTE("while pack() ran (call %d, %zu documents), the converter converted %llu more "
                 "documents (it freed the strings fetch returned for them): the converter must "
                 "wait until pack returns before converting anything else", k + 1, count,
                 (unsigned long long)(after - before));
    } else if (R.pack_hold_ms > 0) {
        harness_sleep_ms(R.pack_hold_ms);
    }
}

static inline unsigned *run_sids(void)
{
    static unsigned sids[DOCS_MAX];
    for (size_t i = 0; i < R.n; i++)
        sids[i] = R.docs[i].sid;
    return sids;
}

/* run_pipeline on the test's own thread (virtual time: a hang is reported
 * at once, with what each thread waits for). */
static inline int run_here(void)
{
    R.caller = harness_thread_id();
    return run_pipeline(run_sids(), R.n, R.batch, test_fetch, test_pack, &R);
}

/* run_pipeline on a helper thread under the stall watch (real time). */
typedef struct watched {
    atomic_bool done;
    int rc;
} watched;

static inline void *watched_main(void *p)
{
    watched *w = p;
    R.caller = harness_thread_id();
    w->rc = run_pipeline(run_sids(), R.n, R.batch, test_fetch, test_pack, &R);
    atomic_store(&w->done, true);
    return NULL;
}

static inline int run_watched(const char *what)
{
    static watched w;
    atomic_store(&w.done, false);
    pthread_t t;
    ck_assert(harness_thread_start(&t, watched_main, &w) == 0);
    long last = 0;
    bool ok = harness_watch_progress(&w.done, &R.progress, 3000, &last);
    HARNESS_CHECK(ok, "%s: run_pipeline got stuck: nothing happened for 3 s after %ld fetches "
                  "and packs (%d pack calls so far). Is a thread waiting for a wake-up that "
                  "came before it waited?", what, last, atomic_load(&R.npacks));
    harness_thread_join(t);
    return w.rc;
}

/* After run_pipeline returned rc: everything the contract says. */
static inline void check_run(const char *what, int rc)
{
    bool any_fail = false;
    size_t ok_docs = 0;
    for (size_t i = 0; i < R.n; i++) {
        any_fail |= R.docs[i].fails;
        ok_docs += !R.docs[i].fails;
    }
    ck_assert_msg(!R.why[0], "%s: %s", what, R.why);
    for (size_t i = 0; i < R.n; i++) {
        doc *d = &R.docs[i];
        int f = atomic_load(&d->fetched), p = atomic_load(&d->packed);
        ck_assert_msg(f == 1, "%s: fetch(%u) was called %d times (expected once)", what,
                      d->sid, f);
        if (d->fails)
            continue;
        ck_assert_msg(p == 1, "%s: the document of sid %u (the %zu%s of %zu) was packed %d "
                      "times (expected once); %d pack calls in all", what, d->sid, i + 1,
                      i == 0 ? "st" : i == 1 ? "nd" : i == 2 ? "rd" : "th", R.n, p,
                      atomic_load(&R.npacks));
    }
    int want_rc = any_fail ? EIO : 0;
    ck_assert_msg(rc == want_rc, "%s: run_pipeline returned %d, expected %d (%s)", what, rc,
                  want_rc, any_fail ? "EIO: a fetch returned NULL" : "every fetch succeeded");
    int npacks = atomic_load(&R.npacks);
    size_t want_packs = (ok_docs + R.batch - 1) / R.batch;
    for (int k = 0; k + 1 < npacks && k < PACKS_MAX; k++)
        ck_assert_msg((size_t)R.pack_count[k] == R.batch,
                      "%s: pack call %d of %d had %d documents; every batch but the last has "
                      "exactly %zu (%zu documents, batch %zu)", what, k + 1, npacks,
                      R.pack_count[k], R.batch, ok_docs, R.batch);
    ck_assert_msg((size_t)npacks == want_packs, "%s: pack was called %d times, expected %zu "
                  "(%zu documents in batches of %zu)", what, npacks, want_packs, ok_docs,
                  R.batch);
    uint64_t left = pipeline_probe(PROBE_NOT_FREED);
    ck_assert_msg(left == 0, "%s: %llu of the strings fetch returned were never freed (the "
                  "pipeline frees each one after converting it)", what,
                  (unsigned long long)left);
    ck_assert_msg(harness_unjoined_threads() == 0, "%s: run_pipeline returned with threads "
                  "it started still not joined", what);
}

#endif
