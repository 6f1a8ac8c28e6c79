/* output_lms.c - see output_lms.h.
 * Gradescope: https://gradescope-autograders.readthedocs.io/en/latest/specs/
 * PrairieLearn: https://prairielearn.readthedocs.io/en/latest/externalGrading/
 * A lesson that was not graded (missing, compile_error, forbidden, error) has
 * no tests in the native document; it becomes one failed entry worth the
 * lesson's points, so the entries always add up to the maximum. */
#include "output_lms.h"
#include "textbuf.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static double num(json_t *o, const char *key) { return json_number_value(json_object_get(o, key)); }

static const char *status_label(const char *status)
{
    if (strcmp(status, "compile_error") == 0)
        return "does not compile";
    if (strcmp(status, "missing") == 0)
        return "no file submitted";
    if (strcmp(status, "forbidden") == 0)
        return "uses a forbidden call";
    if (strcmp(status, "error") == 0)
        return "could not be graded";
    return status;
}

/* One line per lesson, then the batch's grading error if any. */
static char *summary_text(json_t *native)
{
    char *text = xstrdup("");
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(native, "lessons"), i, l) {
        const char *status = str(l, "status");
        char *line = xasprintf("%s%s: %g/%g%s%s\n", text, str(l, "id"), num(l, "score"),
                               num(l, "max_score"), strcmp(status, "graded") ? " - " : "",
                               strcmp(status, "graded") ? status_label(status) : "");
        free(text);
        text = line;
    }
    char *all = xasprintf("%sTotal: %g/%g\n%s%s", text, num(native, "score"),
                          num(native, "max_score"), *str(native, "grading_error") ? "\n" : "",
                          str(native, "grading_error"));
    free(text);
    return all;
}

/* What a student reads about one test: the problem, then how to replay it. */
static char *test_output(json_t *lesson, json_t *t)
{
    const char *status = str(t, "status");
    if (strcmp(status, "passed") == 0)
        return xstrdup("");
    json_t *seed = json_object_get(t, "seed");
    char *replay = json_is_integer(seed)
                       ? xasprintf("\nReplay: grader replay --lesson %s --test %s --seed %lld",
                                   str(lesson, "id"), str(t, "name"),
                                   (long long)json_integer_value(seed))
                       : xstrdup("");
    /* The failure's timeline, one event a line (the JSON's strings, already
     * made safe there; the LMS shows them as text). */
    textbuf tl = { 0 };
    tb_put(&tl, "%s", "");
    json_t *lines = json_object_get(t, "timeline");
    if (json_array_size(lines)) {
        tb_put(&tl, "\nWhat your threads did last (oldest first):");
        size_t i;
        json_t *line;
        json_array_foreach(lines, i, line)
            if (json_is_string(line))
                tb_put(&tl, "\n  %s", json_string_value(line));
    }
    char *out = xasprintf("%s: %s%s%s", status, str(t, "message"), tl.s, replay);
    free(tl.s);
    free(replay);
    return out;
}

static char *lesson_problem(json_t *l)
{
    const char *msg = str(l, "message");
    return xasprintf("%s%s%s", status_label(str(l, "status")), *msg ? ":\n" : "", msg);
}

static double round4(double x) { return round(x * 10000.0) / 10000.0; }

json_t *to_gradescope(json_t *native)
{
    json_t *tests = json_array();
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(native, "lessons"), i, l) {
        const char *id = str(l, "id");
        if (strcmp(str(l, "status"), "graded") != 0) {
            char *name = xasprintf("%s: %s", id, status_label(str(l, "status")));
            char *out = lesson_problem(l);
            json_array_append_new(tests, json_pack("{s:s, s:f, s:f, s:s, s:s, s:s, s:[s]}",
                                                   "name", name, "score", num(l, "score"),
                                                   "max_score", num(l, "max_score"), "status",
                                                   "failed", "output", out, "visibility",
                                                   "visible", "tags", str(l, "status")));
            free(name);
            free(out);
            continue;
        }
        size_t k;
        json_t *t;
        json_array_foreach(json_object_get(l, "tests"), k, t) {
            bool passed = strcmp(str(t, "status"), "passed") == 0;
            bool hidden = strcmp(str(t, "visibility"), "hidden") == 0;
            char *name = xasprintf("%s / %s", id, str(t, "name"));
            char *out = test_output(l, t);
            json_array_append_new(
                tests, json_pack("{s:s, s:f, s:f, s:s, s:s, s:s, s:[s]}", "name", name, "score",
                                 num(t, "score"), "max_score", num(t, "max_score"), "status",
                                 passed ? "passed" : "failed", "output", out, "visibility",
                                 hidden ? "after_published" : "visible", "tags",
                                 str(t, "category")));
            free(name);
            free(out);
        }
    }
    char *text = summary_text(native);
    json_t *gs = json_pack("{s:f, s:f, s:s, s:o}", "score", num(native, "score"),
                           "execution_time", round4(num(native, "duration_ms") / 1000.0),
                           "output", text, "tests", tests);
    free(text);
    return gs;
}

json_t *to_prairielearn(json_t *native)
{
    json_t *tests = json_array();
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(native, "lessons"), i, l) {
        const char *id = str(l, "id");
        if (strcmp(str(l, "status"), "graded") != 0) {
            char *name = xasprintf("%s: %s", id, status_label(str(l, "status")));
            char *out = lesson_problem(l);
            json_array_append_new(tests, json_pack("{s:s, s:f, s:f, s:s, s:s}", "name", name,
                                                   "points", num(l, "score"), "max_points",
                                                   num(l, "max_score"), "message",
                                                   status_label(str(l, "status")), "output",
                                                   out));
            free(name);
            free(out);
            continue;
        }
        size_t k;
        json_t *t;
        json_array_foreach(json_object_get(l, "tests"), k, t) {
            char *name = xasprintf("%s / %s", id, str(t, "name"));
            char *out = test_output(l, t);
            json_array_append_new(tests, json_pack("{s:s, s:f, s:f, s:s, s:s}", "name", name,
                                                   "points", num(t, "score"), "max_points",
                                                   num(t, "max_score"), "message",
                                                   str(t, "message"), "output", out));
            free(name);
            free(out);
        }
    }
    double max = num(native, "max_score");
    double score = max > 0 ? round4(num(native, "score") / max) : 0;
    if (score > 1)
        score = 1;
    char *text = summary_text(native);
    char *message = xasprintf("%g/%g points", num(native, "score"), max);
    json_t *pl = json_pack("{s:b, s:f, s:s, s:s, s:o}", "gradable",
                           !json_object_get(native, "grading_error"), "score", score, "message",
                           message, "output", text, "tests", tests);
    free(text);
    free(message);
    return pl;
}
