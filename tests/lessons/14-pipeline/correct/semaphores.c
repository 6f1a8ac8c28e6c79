/* A correct pipeline in another style: POSIX semaphores. The downloads
 * start first; each posts `arrived` once (with or without a document), so
 * the converter waits exactly once per download; the seed's two events
 * become two semaphores, `converted` (a batch for the packer, or the end)
 * and `packed` (the converter may go on). */
#include "pipeline.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
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

char *csv_to_xml(const char *csv)
{
    buf out = { 0 }, field = { 0 };
    char **names = NULL;
    size_t nnames = 0;
    const char *p = csv;

    puts_(&out, "<data>");
    /* The header: one name per field, spaces removed. */
    int end = *p ? ',' : '\0';
    while (end == ',') {
        end = next_field(&p, &field);
        char **n2 = realloc(names, (nnames + 1) * sizeof *names);
        char *name = field.oom ? NULL : malloc(field.len + 1);
        if (!n2 || !name) {
            free(n2 ? n2 : names);
            names = NULL;
            free(name);
            out.oom = true;
            nnames = 0;
            break;
        }
        names = n2;
        size_t k = 0;
        for (size_t i = 0; i < field.len; i++)
            if (field.s[i] != ' ')
                name[k++] = field.s[i];
        name[k] = '\0';
        names[nnames++] = name;
    }
    /* The rows: each non-empty line. */
    while (*p && !out.oom) {
        if (*p == '\n' || (*p == '\r' && (p[1] == '\n' || p[1] == '\0'))) {
            p += *p == '\r' ? 1 : 0;
            p += *p ? 1 : 0;
            continue;
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

/* ---- run_pipeline: semaphores ----------------------------------------------- */

typedef struct item {
    struct item *next;
    char *csv; /* NULL: that download failed */
} item;

typedef struct line {
    pthread_mutex_t mu;  /* the queue only */
    item *head, *tail;
    sem_t arrived;       /* one post per finished download */
    sem_t converted;     /* converter -> packer: a batch, or the end */
    sem_t packed;        /* packer -> converter: the batch is packed */
    bool end;            /* set before the last post of `converted` */
    bool failed;         /* the converter's, read after joining it */
    char **docs;
    size_t count, batch;
    char *(*fetch)(unsigned);
    void (*pack)(char *const[], size_t, void *);
    void *ctx;
} line;

typedef struct dl {
    pthread_t t;
    line *l;
    unsigned sid;
} dl;

static void *download_main(void *arg)
{
    dl *d = arg;
    line *l = d->l;
    item *it = malloc(sizeof *it);
    char *csv = l->fetch(d->sid);
    if (!it) {
        free(csv);
        csv = NULL;
    }
    pthread_mutex_lock(&l->mu);
    if (it) {
        it->csv = csv;
        it->next = NULL;
        if (l->tail)
            l->tail->next = it;
        else
            l->head = it;
        l->tail = it;
    }
    pthread_mutex_unlock(&l->mu);
    sem_post(&l->arrived); /* even without an item: the converter counts posts */
    return NULL;
}

typedef struct conv_args {
    line *l;
    size_t n; /* downloads started */
} conv_args;

static void *converter_main(void *arg)
{
    conv_args *c = arg;
    line *l = c->l;
    for (size_t k = 0; k < c->n; k++) {
        sem_wait(&l->arrived);
        pthread_mutex_lock(&l->mu);
        item *it = l->head;
        if (it) {
            l->head = it->next;
            if (!l->head)
                l->tail = NULL;
        }
        pthread_mutex_unlock(&l->mu);
        char *xml = it && it->csv ? csv_to_xml(it->csv) : NULL;
        if (!xml)
            l->failed = true;
        if (it)
            free(it->csv);
        free(it);
        if (!xml)
            continue;
        l->docs[l->count++] = xml;
        if (l->count == l->batch) {
            sem_post(&l->converted);
            sem_wait(&l->packed);
            l->count = 0;
        }
    }
    if (l->count > 0) {
        sem_post(&l->converted);
        sem_wait(&l->packed);
        l->count = 0;
    }
    l->end = true;
    sem_post(&l->converted);
    return NULL;
}

static void *packer_main(void *arg)
{
    line *l = arg;
    for (;;) {
        sem_wait(&l->converted);
        if (l->end)
            break;
        l->pack(l->docs, l->count, l->ctx);
        for (size_t i = 0; i < l->count; i++)
            free(l->docs[i]);
        sem_post(&l->packed);
    }
    return NULL;
}

int run_pipeline(const unsigned sids[], size_t n, size_t batch, char *(*fetch)(unsigned sid),
                 void (*pack)(char *const docs[], size_t count, void *ctx), void *ctx)
{
    if (batch == 0)
        return EINVAL;
    line l = { .batch = batch, .fetch = fetch, .pack = pack, .ctx = ctx };
    l.docs = malloc(batch * sizeof *l.docs);
    dl *d = calloc(n + 1, sizeof *d);
    if (!l.docs || !d) {
        free(l.docs);
        free(d);
        return ENOMEM;
    }
    pthread_mutex_init(&l.mu, NULL);
    sem_init(&l.arrived, 0, 0);
    sem_init(&l.converted, 0, 0);
    sem_init(&l.packed, 0, 0);
    /* The downloads first: the converter must know how many started. */
    size_t started = 0;
    int rc = 0;
    for (; started < n; started++) {
        d[started] = (dl){ .l = &l, .sid = sids[started] };
        if ((rc = pthread_create(&d[started].t, NULL, download_main, &d[started])) != 0)
            break;
    }
    conv_args ca = { &l, started };
    pthread_t conv, pk;
    int rc2 = pthread_create(&pk, NULL, packer_main, &l);
    if (rc2 == 0) {
        rc2 = pthread_create(&conv, NULL, converter_main, &ca);
        if (rc2 != 0) {
            l.end = true;
            sem_post(&l.converted);
        }
        pthread_join(pk, NULL);
    }
    for (size_t i = 0; i < started; i++)
        pthread_join(d[i].t, NULL);
    if (rc2 == 0)
        pthread_join(conv, NULL);
    if (rc == 0)
        rc = rc2;
    if (rc2 != 0) {
        /* Nobody converted: free what the downloads left. */
        while (l.head) {
            item *it = l.head;
            l.head = it->next;
            free(it->csv);
            free(it);
        }
    }
    if (rc == 0 && l.failed)
        rc = EIO;
    sem_destroy(&l.arrived);
    sem_destroy(&l.converted);
    sem_destroy(&l.packed);
    pthread_mutex_destroy(&l.mu);
    free(l.docs);
    free(d);
    return rc;
}
