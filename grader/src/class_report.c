/* class_report.c - report.html: the instructor's one-page view of a batch. It is
 * self-contained (inline CSS and SVG, no script, no network) and a Content
 * Security Policy forbids scripts outright; every string that came from a
 * submission (ids, messages) goes through tb_html, so a student's message
 * cannot inject markup into the instructor's page. */
#include "summary.h"
#include "textbuf.h"
#include "util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static double num(json_t *o, const char *key) { return json_number_value(json_object_get(o, key)); }

static const char style[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:70em;color:#222;padding:0 1em}"
    "h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{padding:.2em .6em;border-bottom:1px solid #eee;"
    "text-align:left;vertical-align:top}th{background:#f4f4f4}td.n{text-align:right}"
    ".charts{display:flex;flex-wrap:wrap;gap:2em}.bar{fill:#4a7fb5}.axis{stroke:#888}"
    "svg text{font:11px sans-serif;fill:#333}.cat{background:#d9534f;height:1em;display:inline-block}"
    "code{font:12px monospace;white-space:pre-wrap;word-break:break-word}"
    ".muted{color:#777}.bad{color:#b00}"
    ".lanes td,.lanes th{border:0;border-left:2px solid #ccd;padding:0 .5em}.lanes code{font-size:11px}";

/* A bar chart of `counts` with labels under the bars. */
static void histogram(textbuf *b, json_t *counts, const char *const *labels, const char *title)
{
    size_t n = json_array_size(counts);
    json_int_t top = 1;
    for (size_t i = 0; i < n; i++)
        if (json_integer_value(json_array_get(counts, i)) > top)
            top = json_integer_value(json_array_get(counts, i));
    const int w = 36, h = 120, left = 10, base = 140;
    tb_put(b, "<svg class=\"hist\" role=\"img\" width=\"%d\" height=\"175\" viewBox=\"0 0 %d 175\">"
              "<title>", left * 2 + w * (int)n, left * 2 + w * (int)n);
    tb_html(b, title);
    tb_put(b, "</title>");
    for (size_t i = 0; i < n; i++) {
        json_int_t c = json_integer_value(json_array_get(counts, i));
        int bh = (int)(c * h / top);
        int x = left + w * (int)i;
        tb_put(b, "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"></rect>", x + 3,
               base - bh, w - 6, bh);
        if (c)
            tb_put(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%lld</text>", x + w / 2,
                   base - bh - 3, (long long)c);
        tb_put(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>", x + w / 2,
               base + 14, labels[i]);
    }
    tb_put(b, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"></line>"
              "<text x=\"%d\" y=\"170\">%% of the points</text></svg>",
           left, base, left + w * (int)n, base, left);
}

static const char *const decile_labels[] = { "0", "10", "20", "30", "40",
                                             "50", "60", "70", "80", "90+" };

static void totals_chart(textbuf *b, json_t *summary)
{
    int bins[10] = { 0 };
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(summary, "students"), i, s) {
        double max = num(s, "max_score");
        int bin = max > 0 ? (int)(num(s, "score") / max * 10) : 0;
        bins[bin < 0 ? 0 : bin > 9 ? 9 : bin]++;
    }
    json_t *counts = json_array();
    for (int k = 0; k < 10; k++)
        json_array_append_new(counts, json_integer(bins[k]));
    histogram(b, counts, decile_labels, "Total scores");
    json_decref(counts);
}

static void student_list(textbuf *b, json_t *ids)
{
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id) {
        tb_put(b, "%s<code>", i ? ", " : "");
        tb_html(b, json_string_value(id));
        tb_put(b, "</code>");
    }
}

#define LANES_MAX 6

/* The thread number of a timeline line ("T2 bank.c:40 lock(m1)"), or 0. */
static unsigned lane_thread(const char *line)
{
    unsigned t = 0;
    if (line[0] != 'T')
        return 0;
    for (const char *p = line + 1; *p >= '0' && *p <= '9' && t < 100000; p++)
        t = t * 10 + (unsigned)(*p - '0');
    return t;
}

/* An example failure's timeline: one lane (column) per thread, time going
 * down, so who waited while who signalled reads at a glance; as a plain
 * list when there are more threads than fit across. */
static void timeline_lanes(textbuf *b, json_t *timeline)
{
    size_t n = json_array_size(timeline), i;
    if (n == 0)
        return;
    unsigned lanes[LANES_MAX];
    size_t nlanes = 0;
    bool fits = true;
    json_t *line;
    json_array_foreach(timeline, i, line) {
        unsigned t = lane_thread(json_string_value(line) ? json_string_value(line) : "");
        size_t k = 0;
        while (k < nlanes && lanes[k] != t)
            k++;
        if (k == nlanes && nlanes < LANES_MAX)
            lanes[nlanes++] = t;
        else if (k == nlanes)
            fits = false;
    }
    tb_put(b, "<details class=\"timeline\"><summary>what the threads did last (one "
              "student's run)</summary><table class=\"lanes\">");
    if (fits) {
        tb_put(b, "<tr>");
        for (size_t k = 0; k < nlanes; k++)
            tb_put(b, lanes[k] ? "<th>T%u</th>" : "<th>?</th>", lanes[k]);
        tb_put(b, "</tr>");
    }
    json_array_foreach(timeline, i, line) {
        const char *text = json_string_value(line) ? json_string_value(line) : "";
        unsigned t = lane_thread(text);
        /* The lane says the thread: the cell keeps the rest. */
        const char *rest = t && fits ? text + strcspn(text, " ") + (strchr(text, ' ') != NULL)
                                     : text;
        tb_put(b, "<tr>");
        for (size_t k = 0; fits && k < nlanes && lanes[k] != t; k++)
            tb_put(b, "<td></td>");
        tb_put(b, "<td><code>");
        tb_html(b, rest);
        tb_put(b, "</code></td></tr>");
    }
    tb_put(b, "</table></details>");
}

static void lesson_section(textbuf *b, json_t *l, size_t nstudents)
{
    char *title = xasprintf("%s: score distribution", str(l, "id"));
    tb_put(b, "<section class=\"lesson\"><h2>");
    tb_html(b, str(l, "id"));
    tb_put(b, "</h2><p>%lld of %zu students submitted; mean %.2f, median %.2f of %g; "
              "%lld full marks, %lld zero.</p><div class=\"charts\"><div>",
           (long long)json_integer_value(json_object_get(l, "submitted")), nstudents,
           num(l, "mean"), num(l, "median"), num(l, "max_score"),
           (long long)json_integer_value(json_object_get(l, "full_marks")),
           (long long)json_integer_value(json_object_get(l, "zero")));
    histogram(b, json_object_get(l, "histogram"), decile_labels, title);
    free(title);
    tb_put(b, "</div><div><h3>Failing tests by category</h3>");
    json_t *cats = json_object_get(l, "failure_categories");
    if (json_array_size(cats) == 0)
        tb_put(b, "<p class=\"muted\">no failing tests</p>");
    else
        tb_put(b, "<table><tr><th>category</th><th>students</th><th></th></tr>");
    size_t i;
    json_t *c;
    json_array_foreach(cats, i, c) {
        json_int_t k = json_integer_value(json_object_get(c, "students"));
        tb_put(b, "<tr><td>");
        tb_html(b, str(c, "category"));
        tb_put(b, "</td><td class=\"n\">%lld</td><td><span class=\"cat\" style=\"width:%dpx\">"
                  "</span></td></tr>",
               (long long)k, nstudents ? (int)(k * 200 / (json_int_t)nstudents) : 0);
    }
    if (json_array_size(cats))
        tb_put(b, "</table>");
    tb_put(b, "</div></div><h3>Most common problems</h3>");
    json_t *msgs = json_object_get(l, "common_failures");
    if (json_array_size(msgs) == 0)
        tb_put(b, "<p class=\"muted\">none</p>");
    else
        tb_put(b, "<table><tr><th>students</th><th>kind</th><th>test</th><th>message</th></tr>");
    json_array_foreach(msgs, i, c) {
        tb_put(b, "<tr><td class=\"n\">%lld</td><td>",
               (long long)json_integer_value(json_object_get(c, "students")));
        tb_html(b, str(c, "kind"));
        tb_put(b, "</td><td>");
        tb_html(b, str(c, "test"));
        tb_put(b, "</td><td><code>");
        tb_html(b, str(c, "message"));
        tb_put(b, "</code>");
        timeline_lanes(b, json_object_get(c, "timeline"));
        tb_put(b, "</td></tr>");
    }
    if (json_array_size(msgs))
        tb_put(b, "</table>");
    json_t *ce = json_object_get(l, "compile_errors");
    tb_put(b, "<h3>Did not compile (%zu)</h3><p class=\"compile-errors\">", json_array_size(ce));
    if (json_array_size(ce) == 0)
        tb_put(b, "<span class=\"muted\">nobody</span>");
    student_list(b, ce);
    tb_put(b, "</p></section>\n");
}

static void student_table(textbuf *b, json_t *summary)
{
    json_t *lessons = json_object_get(summary, "lessons");
    tb_put(b, "<h2>Students</h2><table class=\"students\"><tr><th>student</th><th>total</th>");
    size_t i, k;
    json_t *l, *s;
    json_array_foreach(lessons, i, l) {
        tb_put(b, "<th>");
        tb_html(b, str(l, "id"));
        tb_put(b, "</th>");
    }
    tb_put(b, "</tr>");
    json_array_foreach(json_object_get(summary, "students"), i, s) {
        tb_put(b, "<tr><td><code>");
        tb_html(b, str(s, "id"));
        tb_put(b, "</code></td><td class=\"n\">%g/%g</td>", num(s, "score"), num(s, "max_score"));
        json_array_foreach(lessons, k, l) {
            json_t *sl = json_object_get(json_object_get(s, "lessons"), str(l, "id"));
            const char *status = sl ? str(sl, "status") : "";
            tb_put(b, "<td class=\"n\">");
            if (sl)
                tb_put(b, "%g", num(sl, "score"));
            if (sl && strcmp(status, "graded") != 0) {
                tb_put(b, " <span class=\"bad\">");
                tb_html(b, status);
                tb_put(b, "</span>");
            }
            tb_put(b, "</td>");
        }
        tb_put(b, "</tr>");
    }
    tb_put(b, "</table>");
}

char *class_report_html(json_t *summary)
{
    textbuf b = { 0 };
    size_t n = json_array_size(json_object_get(summary, "students"));
    double sum = 0;
    size_t i;
    json_t *s, *l;
    json_array_foreach(json_object_get(summary, "students"), i, s) sum += num(s, "score");
    tb_put(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
               "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
               "style-src 'unsafe-inline'; img-src data:\">"
               "<title>Class report</title><style>%s</style></head><body>"
               "<h1>Class report</h1><p class=\"muted\">generated ",
           style);
    tb_html(&b, str(summary, "generated_at"));
    tb_put(&b, "</p><p>%zu students, mean total %.2f of %g.</p>", n, n ? sum / (double)n : 0.0,
           num(summary, "max_score"));
    json_t *errors = json_object_get(summary, "grading_errors");
    if (json_array_size(errors)) {
        tb_put(&b, "<p class=\"bad\">Grading failed or hit the time cap for %zu students "
                   "(score 0, see their JSON and logs/): ",
               json_array_size(errors));
        student_list(&b, errors);
        tb_put(&b, "</p>");
    }
    tb_put(&b, "<h2>Overview</h2><div class=\"charts\"><div><h3>Total scores</h3>");
    totals_chart(&b, summary);
    tb_put(&b, "</div><div><table><tr><th>lesson</th><th>max</th><th>mean</th><th>median</th>"
               "<th>full marks</th><th>did not compile</th><th>forbidden</th><th>missing</th></tr>");
    json_array_foreach(json_object_get(summary, "lessons"), i, l) {
        json_t *sc = json_object_get(l, "status_counts");
        tb_put(&b, "<tr><td>");
        tb_html(&b, str(l, "id"));
        tb_put(&b, "</td><td class=\"n\">%g</td><td class=\"n\">%.2f</td><td class=\"n\">%.2f</td>"
                   "<td class=\"n\">%lld</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td>"
                   "<td class=\"n\">%lld</td></tr>",
               num(l, "max_score"), num(l, "mean"), num(l, "median"),
               (long long)json_integer_value(json_object_get(l, "full_marks")),
               (long long)json_integer_value(json_object_get(sc, "compile_error")),
               (long long)json_integer_value(json_object_get(sc, "forbidden")),
               (long long)json_integer_value(json_object_get(sc, "missing")));
    }
    tb_put(&b, "</table></div></div>\n");
    json_array_foreach(json_object_get(summary, "lessons"), i, l) lesson_section(&b, l, n);
    student_table(&b, summary);
    tb_put(&b, "</body></html>\n");
    return b.s;
}
