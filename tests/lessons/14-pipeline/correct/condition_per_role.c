/* A correct pipeline in another wait structure: one mutex, but a condition
 * variable per reason to wait (a document arrived, a batch is ready, the
 * batch is packed), each with exactly one waiter, so pthread_cond_signal
 * is enough; the state changes under the mutex before each signal. */
#include "pipeline.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---- csv_to_xml ---------------------------------------------------------------- */

typedef struct buf {
    char *s;
    size_t len, cap;
    bool oom;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *s2 = realloc(b->s, cap);
        if (!s2) {
            b->oom = true;
            return;
        }
        b->s = s2;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void puts_(buf *b, const char *s) { put(b, s, strlen(s)); }

/* A value, with & < > escaped. */
static void put_escaped(buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '&')
            puts_(b, "&amp;");
        else if (s[i] == '<')
            puts_(b, "&lt;");
        else if (s[i] == '>')
            puts_(b, "&gt;");
        else
            put(b, &s[i], 1);
    }
}

/* Reads the field at *pp into f (quotes undone, a \r before the line's end
 * dropped) and moves *pp past its separator. Returns what ended the field:
 * ',' (more fields follow), '\n' or '\0' (the line is over). */
static int next_field(const char **pp, buf *f)
{
    const char *p = *pp;
    f->len = 0;
    put(f, "", 0); /* f->s is a string even when the field is empty */
    if (*p == '"') {
        for (p++; *p; p++) {
            if (*p == '"' && p[1] == '"')
                put(f, p++, 1); /* "" is one quote */
            else if (*p == '"')
                break;
            else
                put(f, p, 1);
        }
        if (*p == '"')
            p++;
    }
    for (; *p && *p != ',' && *p != '\n'; p++)
        if (!(*p == '\r' && (p[1] == '\n' || p[1] == '\0')))
            put(f, p, 1);
    int end = *p;
    if (*p)
        p++;
    *pp = p;
    return end;
}

/* Appends the header name in f, without its spaces, to names[]. False
 * when out of memory. */
static bool add_name(char ***names, size_t *n, const buf *f)
{
    char **grown = realloc(*names, (*n + 1) * sizeof **names);
    if (!grown)
        return false;
    *names = grown;
    char *name = malloc(f->len + 1);
    if (!name)
        return false;
    size_t k = 0;
    for (size_t i = 0; i < f->len; i++)
        if (f->s[i] != ' ')
            name[k++] = f->s[i];
    name[k] = '\0';
    (*names)[(*n)++] = name;
    return true;
}

char *csv_to_xml(const char *csv)
{
    buf out = { 0 }, field = { 0 };
    char **names = NULL;
    size_t nnames = 0;
    const char *p = csv;

    puts_(&out, "<data>");
    /* The header: one name per field, spaces removed. */
    int end = *p ? ',' : '\0';
    while (end == ',' && !out.oom) {
        end = next_field(&p, &field);
        if (field.oom || !add_name(&names, &nnames, &field))
            out.oom = true;
    }
    /* The rows: each non-empty line. */
    while (*p && !out.oom) {
        if (*p == '\n' || (*p == '\r' && (p[1] == '\n' || p[1] == '\0'))) {
            if (*p == '\r')
                p++;
            if (*p == '\n')
                p++;
            continue; /* an empty line */
        }
        puts_(&out, "<row>");
        size_t i = 0;
        do {
            end = next_field(&p, &field);
            if (i < nnames) {
                puts_(&out, "<");
                puts_(&out, names[i]);
                puts_(&out, ">");
                put_escaped(&out, field.s ? field.s : "", field.len);
                puts_(&out, "</");
                puts_(&out, names[i]);
                puts_(&out, ">");
            }
            i++;
        } while (end == ',');
        puts_(&out, "</row>");
    }
    puts_(&out, "</data>");

    for (size_t i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    free(field.s);
    if (out.oom || field.oom) {
        free(out.s);
        return NULL;
    }
    return out.s;
}

/* ---- run_pipeline -------------------------------------------------------------- */

typedef struct fetched {
    struct fetched *next;
    char *csv;
} fetched;

typedef struct pipeline {
    pthread_mutex_t mu;
    pthread_cond_t arrived;  /* the converter's: a download finished */
    pthread_cond_t ready_cv; /* the packer's: a batch, or the end */
    pthread_cond_t packed;   /* the converter's: the batch is packed */
    fetched *head, *tail;    /* downloaded, not converted yet */
    size_t downloads_left;   /* download threads that have not pushed yet */
    bool ready;              /* docs[0..count) wait for the packer */
    bool finished;           /* the converter is done: no more batches */
    int error;               /* EIO (a fetch failed) or ENOMEM */
    char **docs;             /* the batch: written by the converter while
                                !ready, read by the packer while ready */
    size_t count, batch;
    char *(*fetch)(unsigned sid);
    void (*pack)(char *const docs[], size_t count, void *ctx);
    void *ctx;
} pipeline;

typedef struct download {
    pthread_t thread;
    pipeline *p;
    unsigned sid;
} download;

static void set_error(pipeline *p, int err)
{
    if (!p->error)
        p->error = err;
}

static void *download_main(void *arg)
{
    download *d = arg;
    pipeline *p = d->p;
    char *csv = p->fetch(d->sid);
    fetched *f = csv ? malloc(sizeof *f) : NULL;
    pthread_mutex_lock(&p->mu);
    if (f) {
        f->csv = csv;
        f->next = NULL;
        if (p->tail)
            p->tail->next = f;
        else
            p->head = f;
        p->tail = f;
    } else {
        set_error(p, csv ? ENOMEM : EIO);
        free(csv);
    }
    p->downloads_left--;
    pthread_cond_signal(&p->arrived);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* The converter hands docs[0..count) to the packer and waits until the
 * pack is over. Called without the mutex. */
static void hand_over(pipeline *p)
{
    pthread_mutex_lock(&p->mu);
    p->ready = true;
    pthread_cond_signal(&p->ready_cv);
    while (p->ready)
        pthread_cond_wait(&p->packed, &p->mu);
    pthread_mutex_unlock(&p->mu);
    p->count = 0;
}

static void *converter_main(void *arg)
{
    pipeline *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!p->head && p->downloads_left > 0)
            pthread_cond_wait(&p->arrived, &p->mu);
        fetched *f = p->head;
        if (f) {
            p->head = f->next;
            if (!p->head)
                p->tail = NULL;
        }
        pthread_mutex_unlock(&p->mu);
        if (!f)
            break; /* every download is in and converted */

        char *xml = csv_to_xml(f->csv);
        free(f->csv);
        free(f);
        if (!xml) {
            pthread_mutex_lock(&p->mu);
            set_error(p, ENOMEM);
            pthread_mutex_unlock(&p->mu);
            continue;
        }
        p->docs[p->count++] = xml;
        if (p->count == p->batch)
            hand_over(p);
    }
    if (p->count > 0)
        hand_over(p); /* the last, smaller batch */
    pthread_mutex_lock(&p->mu);
    p->finished = true;
    pthread_cond_signal(&p->ready_cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void *packer_main(void *arg)
{
    pipeline *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->ready && !p->finished)
            pthread_cond_wait(&p->ready_cv, &p->mu);
        if (!p->ready)
            break; /* finished, nothing left */
        pthread_mutex_unlock(&p->mu);
        p->pack(p->docs, p->count, p->ctx);
        for (size_t i = 0; i < p->count; i++)
            free(p->docs[i]);
        pthread_mutex_lock(&p->mu);
        p->ready = false;
        pthread_cond_signal(&p->packed);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int run_pipeline(const unsigned sids[], size_t n, size_t batch,
                 char *(*fetch)(unsigned sid),
                 void (*pack)(char *const docs[], size_t count, void *ctx), void *ctx)
{
    if (batch == 0 || !fetch || !pack || (n > 0 && !sids))
        return EINVAL;
    pipeline p = { .downloads_left = n, .batch = batch, .fetch = fetch, .pack = pack,
                   .ctx = ctx };
    p.docs = malloc(batch * sizeof *p.docs);
    download *d = calloc(n ? n : 1, sizeof *d);
    if (!p.docs || !d) {
        free(p.docs);
        free(d);
        return ENOMEM;
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.arrived, NULL);
    pthread_cond_init(&p.ready_cv, NULL);
    pthread_cond_init(&p.packed, NULL);

    pthread_t packer, converter;
    int rc = pthread_create(&packer, NULL, packer_main, &p);
    if (rc != 0)
        goto out;
    rc = pthread_create(&converter, NULL, converter_main, &p);
    if (rc != 0) {
        /* No converter: tell the packer that no batch will come. */
        pthread_mutex_lock(&p.mu);
        p.finished = true;
        pthread_cond_signal(&p.ready_cv);
        pthread_mutex_unlock(&p.mu);
        pthread_join(packer, NULL);
        goto out;
    }
    size_t started = 0;
    for (; started < n; started++) {
        d[started] = (download){ .p = &p, .sid = sids[started] };
        rc = pthread_create(&d[started].thread, NULL, download_main, &d[started]);
        if (rc != 0)
            break;
    }
    if (started < n) {
        /* The downloads that never started will never push. */
        pthread_mutex_lock(&p.mu);
        p.downloads_left -= n - started;
        pthread_cond_signal(&p.arrived);
        pthread_mutex_unlock(&p.mu);
    }
    for (size_t i = 0; i < started; i++)
        pthread_join(d[i].thread, NULL);
    pthread_join(converter, NULL);
    pthread_join(packer, NULL);
    if (rc == 0)
        rc = p.error;
out:
    pthread_cond_destroy(&p.arrived);
    pthread_cond_destroy(&p.ready_cv);
    pthread_cond_destroy(&p.packed);
    pthread_mutex_destroy(&p.mu);
    free(p.docs);
    free(d);
    return rc;
}
