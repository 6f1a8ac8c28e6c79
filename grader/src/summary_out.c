/* summary_out.c - the summary's files for spreadsheets and LMSs:
 * summary.csv (one row per student: id, total, max, each lesson's score) and
 * scores.ndjson (one LTI Assignment and Grade Services score per student).
 * Student ids are checked file names (summary.c) and cannot start with a
 * formula character; lesson ids come from results files, which plain mode
 * cannot protect: every text cell goes through text_csv_cell all the same. */
#include "safetext.h"
#include "summary.h"
#include "textbuf.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static double num(json_t *o, const char *key) { return json_number_value(json_object_get(o, key)); }

/* Appends one text cell, escaped (safetext.h). */
static void put_cell(textbuf *b, const char *sep, const char *text)
{
    char *cell = text_csv_cell(text);
    tb_put(b, "%s%s", sep, cell);
    free(cell);
}

char *summary_csv(json_t *summary)
{
    textbuf b = { 0 };
    tb_put(&b, "student,total,max");
    size_t i;
    json_t *l, *s;
    json_array_foreach(json_object_get(summary, "lessons"), i, l) put_cell(&b, ",", str(l, "id"));
    tb_put(&b, "\r\n");
    json_array_foreach(json_object_get(summary, "students"), i, s) {
        put_cell(&b, "", str(s, "id"));
        tb_put(&b, ",%g,%g", num(s, "score"), num(s, "max_score"));
        size_t k;
        json_array_foreach(json_object_get(summary, "lessons"), k, l) {
            json_t *sl = json_object_get(json_object_get(s, "lessons"), str(l, "id"));
            if (sl)
                tb_put(&b, ",%g", num(sl, "score"));
            else
                tb_put(&b, ",");
        }
        tb_put(&b, "\r\n");
    }
    return b.s;
}

/* "2024-05-01T10:00:00Z" -> "2024-05-01T10:00:00.000+00:00" (AGS wants
 * sub-second precision); anything else is passed through. */
static char *ags_time(const char *iso)
{
    size_t n = strlen(iso);
    if (n == 20 && iso[19] == 'Z')
        return xasprintf("%.19s.000+00:00", iso);
    return xstrdup(iso);
}

char *summary_ndjson(json_t *summary)
{
    textbuf b = { 0 };
    tb_put(&b, "%s", "");
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(summary, "students"), i, s) {
        textbuf c = { 0 };
        tb_put(&c, "%s", "");
        const char *key;
        json_t *l;
        json_object_foreach(json_object_get(s, "lessons"), key, l) {
            tb_put(&c, "%s%s: %g/%g", c.len ? "; " : "", key, num(l, "score"), num(l, "max_score"));
            if (strcmp(str(l, "status"), "graded") != 0)
                tb_put(&c, " (%s)", str(l, "status"));
        }
        bool err = json_object_get(s, "grading_error") != NULL;
        if (err)
            tb_put(&c, "%sgrading failed: %s", c.len ? "; " : "", str(s, "grading_error"));
        char *when = ags_time(str(s, "graded_at"));
        json_t *score = json_pack("{s:s, s:f, s:f, s:s, s:s, s:s, s:s}", "userId", str(s, "id"),
                                  "scoreGiven", num(s, "score"), "scoreMaximum",
                                  num(s, "max_score"), "comment", c.s, "timestamp", when,
                                  "activityProgress", "Completed", "gradingProgress",
                                  err ? "PendingManual" : "FullyGraded");
        char *line = json_dumps(score, JSON_COMPACT | JSON_PRESERVE_ORDER);
        tb_put(&b, "%s\n", line);
        free(line);
        json_decref(score);
        free(when);
        free(c.s);
    }
    return b.s;
}

static int write_text(const char *dir, const char *name, char *text)
{
    char *path = xasprintf("%s/%s", dir, name);
    int rc = text ? write_file_atomic(path, text, strlen(text)) : -1;
    if (rc != 0)
        fprintf(stderr, "grader: cannot write %s\n", path);
    free(path);
    free(text);
    return rc;
}

int summary_write(json_t *summary, const char *outdir)
{
    char *js = json_dumps(summary, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    char *jsnl = js ? xasprintf("%s\n", js) : NULL;
    free(js);
    int rc = 0;
    rc |= write_text(outdir, "summary.json", jsnl);
    rc |= write_text(outdir, "summary.csv", summary_csv(summary));
    rc |= write_text(outdir, "scores.ndjson", summary_ndjson(summary));
    rc |= write_text(outdir, "report.html", class_report_html(summary));
    return rc ? -1 : 0;
}
