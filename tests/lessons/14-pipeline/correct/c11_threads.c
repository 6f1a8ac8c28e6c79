/* A correct pipeline in another style: C11 <threads.h>, one big lock, the
 * seed's two events (converted / packed) as flags under it, documents on
 * a fixed array indexed by arrival, and a character-at-a-time CSV reader
 * that writes into a buffer sized by a first pass. */
#include "pipeline.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

/* ---- csv_to_xml: a state machine, run twice (count, then write) ---------- */

typedef struct out {
    char *s; /* NULL: only count */
    size_t n;
} out;

static void emit(out *o, const char *s, size_t len)
{
    if (o->s)
        memcpy(o->s + o->n, s, len);
    o->n += len;
}

static void emit_value(out *o, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        const char *e = s[i] == '&' ? "&amp;" : s[i] == '<' ? "&lt;" : s[i] == '>' ? "&gt;" : NULL;
        if (e)
            emit(o, e, strlen(e));
        else
            emit(o, &s[i], 1);
    }
}

/* One field starting at csv[*i] into val (cap >= strlen(csv) + 1); returns
 * true when another field follows on the same line. */
static bool field(const char *csv, size_t *i, char *val, size_t *len)
{
    size_t k = 0, j = *i;
    bool in = csv[j] == '"';
    if (in)
        j++;
    for (;; j++) {
        char c = csv[j];
        if (c == '\0')
            break;
        if (in) {
            if (c == '"' && csv[j + 1] == '"') {
                val[k++] = '"';
                j++;
            } else if (c == '"') {
                in = false;
            } else {
                val[k++] = c;
            }
            continue;
        }
        if (c == ',' || c == '\n')
            break;
        if (c == '\r' && (csv[j + 1] == '\n' || csv[j + 1] == '\0'))
            continue;
        val[k++] = c;
    }
    *len = k;
    bool more = csv[j] == ',';
    *i = csv[j] ? j + 1 : j;
    return more;
}

static bool convert(const char *csv, out *o, char *val, char *names, size_t *name_at,
                    size_t max_names)
{
    size_t i = 0, nnames = 0, used = 0, len;
    emit(o, "<data>", 6);
    if (csv[0]) {
        bool more = true;
        while (more && nnames < max_names) {
            more = field(csv, &i, val, &len);
            name_at[nnames++] = used;
            for (size_t k = 0; k < len; k++)
                if (val[k] != ' ')
                    names[used++] = val[k];
            names[used++] = '\0';
        }
    }
    while (csv[i]) {
        if (csv[i] == '\n') {
            i++;
            continue;
        }
        if (csv[i] == '\r' && (csv[i + 1] == '\n' || csv[i + 1] == '\0')) {
            i++;
            continue;
        }
        emit(o, "<row>", 5);
        bool more = true;
        for (size_t f = 0; more; f++) {
            more = field(csv, &i, val, &len);
            if (f >= nnames)
                continue;
            const char *name = names + name_at[f];
            emit(o, "<", 1);
            emit(o, name, strlen(name));
            emit(o, ">", 1);
            emit_value(o, val, len);
            emit(o, "</", 2);
            emit(o, name, strlen(name));
            emit(o, ">", 1);
        }
        emit(o, "</row>", 6);
    }
    emit(o, "</data>", 7);
    return true;
}

char *csv_to_xml(const char *csv)
{
    size_t len = strlen(csv);
    char *val = malloc(len + 1), *names = malloc(len + 1);
    size_t *name_at = malloc((len + 1) * sizeof *name_at);
    out count = { NULL, 0 }, write = { NULL, 0 };
    char *xml = NULL;
    if (val && names && name_at) {
        convert(csv, &count, val, names, name_at, len + 1);
        xml = malloc(count.n + 1);
        if (xml) {
            write.s = xml;
            convert(csv, &write, val, names, name_at, len + 1);
            xml[write.n] = '\0';
        }
    }
    free(val);
    free(names);
    free(name_at);
    return xml;
}

/* ---- run_pipeline ---------------------------------------------------------- */

typedef struct shared {
    mtx_t mu;
    cnd_t cv;              /* every change; always broadcast */
    char **arrived;        /* fetched documents, by arrival; NULL: failed */
    size_t narrived, ntaken, n;
    bool converted, packed; /* the seed's cEvent and tEvent */
    bool done, failed;
    char **docs;
    size_t count, batch;
    char *(*fetch)(unsigned);
    void (*pack)(char *const[], size_t, void *);
    void *ctx;
} shared;

typedef struct job {
    shared *s;
    unsigned sid;
    thrd_t t;
} job;

static int download(void *arg)
{
    job *j = arg;
    shared *s = j->s;
    char *csv = s->fetch(j->sid);
    mtx_lock(&s->mu);
    s->arrived[s->narrived++] = csv;
    cnd_broadcast(&s->cv);
    mtx_unlock(&s->mu);
    return 0;
}

static void to_packer(shared *s)
{
    mtx_lock(&s->mu);
    s->converted = true;
    cnd_broadcast(&s->cv);
    while (!s->packed)
        cnd_wait(&s->cv, &s->mu);
    s->packed = false;
    mtx_unlock(&s->mu);
    s->count = 0;
}

static int converter(void *arg)
{
    shared *s = arg;
    for (;;) {
        mtx_lock(&s->mu);
        while (s->ntaken == s->narrived && s->ntaken < s->n)
            cnd_wait(&s->cv, &s->mu);
        if (s->ntaken == s->n) {
            mtx_unlock(&s->mu);
            break;
        }
        char *csv = s->arrived[s->ntaken++];
        if (!csv)
            s->failed = true;
        mtx_unlock(&s->mu);
        if (!csv)
            continue;
        char *xml = csv_to_xml(csv);
        free(csv);
        if (!xml) {
            mtx_lock(&s->mu);
            s->failed = true;
            mtx_unlock(&s->mu);
            continue;
        }
        s->docs[s->count++] = xml;
        if (s->count == s->batch)
            to_packer(s);
    }
    if (s->count)
        to_packer(s);
    mtx_lock(&s->mu);
    s->done = true;
    cnd_broadcast(&s->cv);
    mtx_unlock(&s->mu);
    return 0;
}

static int packer(void *arg)
{
    shared *s = arg;
    mtx_lock(&s->mu);
    for (;;) {
        while (!s->converted && !s->done)
            cnd_wait(&s->cv, &s->mu);
        if (!s->converted)
            break;
        s->converted = false;
        mtx_unlock(&s->mu);
        s->pack(s->docs, s->count, s->ctx);
        for (size_t i = 0; i < s->count; i++)
            free(s->docs[i]);
        mtx_lock(&s->mu);
        s->packed = true;
        cnd_broadcast(&s->cv);
    }
    mtx_unlock(&s->mu);
    return 0;
}

int run_pipeline(const unsigned sids[], size_t n, size_t batch, char *(*fetch)(unsigned sid),
                 void (*pack)(char *const docs[], size_t count, void *ctx), void *ctx)
{
    if (batch == 0)
        return EINVAL;
    shared s = { .n = n, .batch = batch, .fetch = fetch, .pack = pack, .ctx = ctx };
    s.arrived = calloc(n + 1, sizeof *s.arrived);
    s.docs = calloc(batch, sizeof *s.docs);
    job *jobs = calloc(n + 1, sizeof *jobs);
    if (!s.arrived || !s.docs || !jobs) {
        free(s.arrived);
        free(s.docs);
        free(jobs);
        return ENOMEM;
    }
    mtx_init(&s.mu, mtx_plain);
    cnd_init(&s.cv);
    thrd_t conv, pk;
    int rc = 0;
    if (thrd_create(&pk, packer, &s) != thrd_success) {
        rc = EAGAIN;
        goto out;
    }
    if (thrd_create(&conv, converter, &s) != thrd_success) {
        mtx_lock(&s.mu);
        s.done = true;
        cnd_broadcast(&s.cv);
        mtx_unlock(&s.mu);
        thrd_join(pk, NULL);
        rc = EAGAIN;
        goto out;
    }
    size_t started = 0;
    for (; started < n; started++) {
        jobs[started] = (job){ .s = &s, .sid = sids[started] };
        if (thrd_create(&jobs[started].t, download, &jobs[started]) != thrd_success) {
            rc = EAGAIN;
            break;
        }
    }
    if (started < n) {
        mtx_lock(&s.mu);
        s.n = started; /* the others never come */
        cnd_broadcast(&s.cv);
        mtx_unlock(&s.mu);
    }
    for (size_t i = 0; i < started; i++)
        thrd_join(jobs[i].t, NULL);
    thrd_join(conv, NULL);
    thrd_join(pk, NULL);
    if (rc == 0 && s.failed)
        rc = EIO;
out:
    cnd_destroy(&s.cv);
    mtx_destroy(&s.mu);
    free(s.arrived);
    free(s.docs);
    free(jobs);
    return rc;
}
