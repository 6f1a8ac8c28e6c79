/* summary.c - builds the class summary (see summary.h) from the per-student
 * results files. Failure messages are grouped by their first line with every
 * run of digits replaced by '#', so "balance went to -200" and "balance went
 * to -600" count as one problem. */
#include "summary.h"
#include "results_json.h"
#include "util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HIST_BINS 10
#define TOP_MESSAGES 8

static const char *const reserved[] = { "summary", "scores", "report", "logs", "gradescope",
                                        "prairielearn", "native" };

bool student_id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 100)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = id[i];
        bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                     (ch >= '0' && ch <= '9') || ch == '_';
        if (!alnum && (i == 0 || !strchr(".@+-", ch)))
            return false;
    }
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strcmp(id, reserved[i]) == 0)
            return false;
    return true;
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static double num(json_t *o, const char *key) { return json_number_value(json_object_get(o, key)); }

/* First line, digits folded to '#', at most 160 bytes. */
static char *message_key(const char *msg)
{
    size_t n = strcspn(msg, "\n");
    char *k = xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n && o < 160; i++) {
        bool digit = msg[i] >= '0' && msg[i] <= '9';
        if (digit && o > 0 && k[o - 1] == '#')
            continue;
        k[o++] = digit ? '#' : msg[i];
    }
    k[o] = '\0';
    return k;
}

/* counts[key] += 1, once per student: `seen` holds this student's keys. */
static void count_once(json_t *counts, json_t *seen, const char *key)
{
    if (json_object_get(seen, key))
        return;
    json_object_set_new(seen, key, json_true());
    json_t *c = json_object_get(counts, key);
    json_object_set_new(counts, key, json_integer(json_integer_value(c) + 1));
}

/* Per-lesson accumulator, kept as JSON while reading. */
static json_t *lesson_acc(json_t *lessons, const char *id, double max)
{
    json_t *a = json_object_get(lessons, id);
    if (!a) {
        a = json_pack("{s:s, s:f, s:[], s:{}, s:{}, s:{}, s:{}, s:[]}", "id", id, "max_score", max,
                      "scores", "status_counts", "categories", "messages", "examples",
                      "compile_errors");
        json_object_set_new(lessons, id, a);
    }
    if (max > num(a, "max_score"))
        json_object_set_new(a, "max_score", json_real(max));
    return a;
}

/* The first student's timeline for a common failure (the class report
 * draws it): strings only, as many as the results format allows. */
static void example_timeline(json_t *example, json_t *timeline)
{
    if (!json_is_array(timeline) || json_array_size(timeline) == 0)
        return;
    json_t *copy = json_array();
    size_t i;
    json_t *line;
    json_array_foreach(timeline, i, line)
        if (i < 32 && json_is_string(line))
            json_array_append_new(copy, json_text(json_string_value(line), 240));
    json_object_set_new(example, "timeline", copy);
}

static void add_lesson(json_t *acc, json_t *l, const char *student)
{
    const char *status = str(l, "status");
    json_t *sc = json_object_get(acc, "status_counts");
    json_object_set_new(sc, status, json_integer(json_integer_value(json_object_get(sc, status)) + 1));
    if (strcmp(status, "missing") != 0)
        json_array_append_new(json_object_get(acc, "scores"), json_real(num(l, "score")));
    if (strcmp(status, "compile_error") == 0)
        json_array_append_new(json_object_get(acc, "compile_errors"), json_string(student));
    json_t *seen_cat = json_object(), *seen_msg = json_object();
    if (strcmp(status, "graded") != 0 && strcmp(status, "missing") != 0) {
        char *k = message_key(*str(l, "message") ? first_error_line(str(l, "message")) : status);
        char *kk = xasprintf("[%s] %s", status, k);
        count_once(json_object_get(acc, "messages"), seen_msg, kk);
        if (!json_object_get(json_object_get(acc, "examples"), kk))
            json_object_set_new(json_object_get(acc, "examples"), kk,
                                json_pack("{s:s, s:s, s:s}", "kind", status, "test", "",
                                          "message", k));
        free(kk);
        free(k);
    }
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(l, "tests"), i, t) {
        if (strcmp(str(t, "status"), "passed") == 0)
            continue;
        count_once(json_object_get(acc, "categories"), seen_cat, str(t, "category"));
        char *k = message_key(*str(t, "message") ? str(t, "message") : str(t, "status"));
        char *kk = xasprintf("[%s] %s", str(t, "category"), k);
        count_once(json_object_get(acc, "messages"), seen_msg, kk);
        if (!json_object_get(json_object_get(acc, "examples"), kk)) {
            json_t *ex = json_pack("{s:s, s:s, s:s}", "kind", str(t, "category"), "test",
                                   str(t, "name"), "message", k);
            example_timeline(ex, json_object_get(t, "timeline"));
            json_object_set_new(json_object_get(acc, "examples"), kk, ex);
        }
        free(kk);
        free(k);
    }
    json_decref(seen_cat);
    json_decref(seen_msg);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct kv {
    const char *key;
    json_int_t count;
} kv;

static int cmp_kv(const void *a, const void *b)
{
    const kv *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->key, y->key);
}

/* counts object -> array sorted by count (desc), at most `top` entries. */
static json_t *top_counts(json_t *counts, json_t *examples, const char *label, size_t top)
{
    size_t n = json_object_size(counts), i = 0;
    kv *v = xcalloc(n ? n : 1, sizeof *v);
    const char *key;
    json_t *val;
    json_object_foreach(counts, key, val) v[i++] = (kv){ key, json_integer_value(val) };
    qsort(v, n, sizeof *v, cmp_kv);
    json_t *arr = json_array();
    for (i = 0; i < n && i < top; i++) {
        json_t *e = examples ? json_deep_copy(json_object_get(examples, v[i].key))
                             : json_pack("{s:s}", label, v[i].key);
        json_object_set_new(e, "students", json_integer(v[i].count));
        json_array_append_new(arr, e);
    }
    free(v);
    return arr;
}

/* Turns an accumulator into the summary's lesson entry. */
static json_t *finish_lesson(json_t *acc)
{
    json_t *scores = json_object_get(acc, "scores");
    size_t n = json_array_size(scores);
    double *v = xcalloc(n ? n : 1, sizeof *v), sum = 0, max = num(acc, "max_score");
    int hist[HIST_BINS] = { 0 };
    json_int_t full = 0, zero = 0;
    for (size_t i = 0; i < n; i++) {
        v[i] = json_number_value(json_array_get(scores, i));
        sum += v[i];
        int bin = max > 0 ? (int)(v[i] / max * HIST_BINS) : 0;
        hist[bin < 0 ? 0 : bin >= HIST_BINS ? HIST_BINS - 1 : bin]++;
        full += max > 0 && v[i] >= max;
        zero += v[i] <= 0;
    }
    qsort(v, n, sizeof *v, cmp_double);
    double median = n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    json_t *h = json_array();
    for (int i = 0; i < HIST_BINS; i++)
        json_array_append_new(h, json_integer(hist[i]));
    json_t *out = json_pack(
        "{s:s, s:f, s:I, s:f, s:f, s:I, s:I, s:o, s:O, s:o, s:o, s:O}", "id", str(acc, "id"),
        "max_score", max, "submitted", (json_int_t)n, "mean", n ? sum / (double)n : 0.0, "median",
        median, "full_marks", full, "zero", zero, "histogram", h, "status_counts",
        json_object_get(acc, "status_counts"), "failure_categories",
        top_counts(json_object_get(acc, "categories"), NULL, "category", 16), "common_failures",
        top_counts(json_object_get(acc, "messages"), json_object_get(acc, "examples"), NULL,
                   TOP_MESSAGES),
        "compile_errors", json_object_get(acc, "compile_errors"));
    free(v);
    return out;
}

/* The student's entry, or NULL when the file is not a results document. */
static json_t *student_entry(const char *id, json_t *doc)
{
    if (!json_is_object(doc) || !json_is_array(json_object_get(doc, "lessons")) ||
        !json_is_number(json_object_get(doc, "score")))
        return NULL;
    json_t *lessons = json_object();
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(doc, "lessons"), i, l)
        json_object_set_new(lessons, str(l, "id"),
                            json_pack("{s:f, s:f, s:s}", "score", num(l, "score"), "max_score",
                                      num(l, "max_score"), "status", str(l, "status")));
    json_t *e = json_pack("{s:s, s:f, s:f, s:s, s:s, s:o}", "id", id, "score", num(doc, "score"),
                          "max_score", num(doc, "max_score"), "graded_at", str(doc, "graded_at"),
                          "submission_hash", str(doc, "submission_hash"), "lessons", lessons);
    if (json_object_get(doc, "grading_error"))
        json_object_set(e, "grading_error", json_object_get(doc, "grading_error"));
    return e;
}

/* Reads one directory's <id>.json files into `docs` (id -> document). */
static void read_dir(const char *dir, json_t *docs)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "grader: cannot read %s\n", dir);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n <= 5 || strcmp(de->d_name + n - 5, ".json") != 0)
            continue;
        char *id = xasprintf("%.*s", (int)(n - 5), de->d_name);
        if (!student_id_ok(id)) {
            free(id);
            continue;
        }
        char *path = xasprintf("%s/%s", dir, de->d_name);
        json_t *doc = json_load_file(path, 0, NULL);
        json_t *prev = json_object_get(docs, id);
        if (!json_is_object(doc) || !json_object_get(doc, "lessons")) {
            fprintf(stderr, "grader: %s is not a results file, skipped\n", path);
        } else if (prev) {
            fprintf(stderr, "grader: %s graded in more than one directory; keeping the latest\n",
                    id);
            if (strcmp(str(doc, "graded_at"), str(prev, "graded_at")) > 0)
                json_object_set(docs, id, doc);
        } else {
            json_object_set(docs, id, doc);
        }
        json_decref(doc);
        free(path);
        free(id);
    }
    closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *summary_build(const char *const *dirs, size_t ndirs)
{
    json_t *docs = json_object();
    for (size_t i = 0; i < ndirs; i++)
        read_dir(dirs[i], docs);
    size_t n = json_object_size(docs), k = 0;
    const char **ids = xcalloc(n ? n : 1, sizeof *ids);
    const char *key;
    json_t *val;
    json_object_foreach(docs, key, val) ids[k++] = key;
    qsort(ids, n, sizeof *ids, cmp_str);

    json_t *students = json_array(), *accs = json_object(), *errors = json_array();
    double max = 0;
    for (k = 0; k < n; k++) {
        json_t *doc = json_object_get(docs, ids[k]);
        json_t *e = student_entry(ids[k], doc);
        if (!e)
            continue;
        if (json_object_get(e, "grading_error"))
            json_array_append_new(errors, json_string(ids[k]));
        if (num(e, "max_score") > max)
            max = num(e, "max_score");
        json_array_append_new(students, e);
        size_t i;
        json_t *l;
        json_array_foreach(json_object_get(doc, "lessons"), i, l)
            add_lesson(lesson_acc(accs, str(l, "id"), num(l, "max_score")), l, ids[k]);
    }
    /* Lessons in id order (NN-slug sorts by number). */
    size_t nl = json_object_size(accs);
    const char **lids = xcalloc(nl ? nl : 1, sizeof *lids);
    k = 0;
    json_object_foreach(accs, key, val) lids[k++] = key;
    qsort(lids, nl, sizeof *lids, cmp_str);
    json_t *lessons = json_array();
    for (k = 0; k < nl; k++)
        json_array_append_new(lessons, finish_lesson(json_object_get(accs, lids[k])));

    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *summary = json_pack("{s:i, s:s, s:I, s:f, s:o, s:o, s:o}", "summary_version", 1,
                                "generated_at", when, "student_count",
                                (json_int_t)json_array_size(students), "max_score", max,
                                "lessons", lessons, "grading_errors", errors, "students",
                                students);
    free(lids);
    free(ids);
    json_decref(accs);
    json_decref(docs);
    return summary;
}
