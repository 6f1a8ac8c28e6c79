/* results_json.c - see results_json.h. */
#include "results_json.h"
#include "safetext.h"
#include "score.h"
#include "textbuf.h"
#include "util.h"
#include "../../sandbox/sandbox.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Text from a test run, a tool or the compiler enters the JSON only through
 * here: valid UTF-8 (Jansson refuses anything else), bounded. */
json_t *json_text(const char *s, size_t max)
{
    char *safe = text_json_safe(s ? s : "", max);
    json_t *j = json_string(safe);
    free(safe);
    return j;
}

json_t *results_timeline(const char *lines)
{
    json_t *a = json_array();
    for (const char *p = lines; p && *p;) {
        size_t n = strcspn(p, "\n");
        char *line = xasprintf("%.*s", (int)n, p);
        json_array_append_new(a, json_text(line, TIMELINE_LINE_MAX));
        free(line);
        p += n + (p[n] == '\n');
    }
    return a;
}

char *results_timeline_lines(json_t *array)
{
    if (!json_is_array(array) || json_array_size(array) == 0)
        return NULL;
    textbuf b = { 0 };
    tb_put(&b, "%s", "");
    size_t i;
    json_t *line;
    json_array_foreach(array, i, line)
        if (json_is_string(line))
            tb_put(&b, "%s%s", b.len ? "\n" : "", json_string_value(line));
    return b.s;
}

json_t *results_lesson(const lesson *l, const char *status, const char *message)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:f, s:f, s:[]}", "id", l->id, "title", l->title,
                          "status", status, "score", 0.0, "max_score", score_lesson_max(l),
                          "tests");
    if (message)
        json_object_set_new(j, "message", json_text(message, MESSAGE_MAX));
    return j;
}

json_t *results_test(const test_info *t, const test_outcome *out, double score, double max,
                     uint64_t seed)
{
    json_t *j = json_pack("{s:o, s:s, s:s, s:f, s:f, s:I, s:I, s:s, s:i, s:b}", "name",
                          json_text(t->name, 200),
                          "category", category_names[t->category], "status",
                          test_status_names[out->status], "score", score_round(score),
                          "max_score", score_round(max), "seed", (json_int_t)seed,
                          "duration_ms", (json_int_t)llround(out->duration_ms), "visibility",
                          t->hidden ? "hidden" : "public", "attempts", out->attempts, "tsan",
                          out->tsan_run);
    if (out->message)
        json_object_set_new(j, "message", json_text(out->message, MESSAGE_MAX));
    /* What the threads did last helps with a failure; on a pass it is noise. */
    if (out->timeline && out->status != TEST_PASSED)
        json_object_set_new(j, "timeline", results_timeline(out->timeline));
    return j;
}

json_t *results_document(bool public_only, const char *submission, const char *graded_at,
                         uint64_t seed, double score, double max, json_t *lessons)
{
    return json_pack("{s:i, s:s, s:s, s:s, s:s, s:I, s:f, s:f, s:o, s:o}", "schema_version",
                     SCHEMA_VERSION, "grader_version", GRADER_VERSION, "suite",
                     public_only ? "public" : "full", "submission", submission, "graded_at",
                     graded_at, "seed", (json_int_t)seed, "score", score_round(score),
                     "max_score", score_round(max), "lessons", lessons, "sandbox",
                     sandbox_json());
}

void sandbox_warn_unprotected(FILE *to)
{
    sbx_caps caps;
    sbx_capabilities(&caps);
    if (!caps.results_protected)
        fputs("grader: warning: student code runs under this user's uid without namespaces "
              "(GRADER_SANDBOX=plain): it can outlive the grading and rewrite its results; "
              "grade as root or with user namespaces\n",
              to);
}

json_t *sandbox_json(void)
{
    sbx_caps caps;
    sbx_capabilities(&caps);
    json_t *j = json_pack("{s:s, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:s}", "level",
                          caps.level, "rlimits", caps.rlimits, "process_group", caps.process_group,
                          "user_ns", caps.user_ns, "pid_ns", caps.pid_ns, "mount_ns", caps.mount_ns,
                          "net_ns", caps.net_ns, "ipc_ns", caps.ipc_ns, "uts_ns", caps.uts_ns,
                          "cgroup", caps.cgroup, "seccomp", caps.seccomp, "notes",
                          caps.notes ? caps.notes : "");
    json_object_set_new(j, "cgroup_version", json_integer(caps.cgroup_version));
    json_object_set_new(j, "no_new_privs", json_boolean(caps.no_new_privs));
    json_object_set_new(j, "run_as_uid", json_integer(caps.outside_uid));
    json_object_set_new(j, "results_protected", json_boolean(caps.results_protected));
    return j;
}
