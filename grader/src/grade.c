/* grade.c - see grade.h. Scoring: a lesson's points are set per category in
 * its lesson.json and shared equally by the tests of that category. */
#include "grade.h"
#include "build.h"
#include "runtest.h"
#include "util.h"
#include "../../sandbox/sandbox.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double round2(double x) { return round(x * 100.0) / 100.0; }

static double lesson_max(const lesson *l)
{
    double m = 0;
    for (int c = 0; c < NCAT; c++)
        m += l->points[c];
    return m;
}

static json_t *lesson_stub(const lesson *l, const char *status, const char *message)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:f, s:f, s:[]}", "id", l->id, "title", l->title,
                          "status", status, "score", 0.0, "max_score", lesson_max(l), "tests");
    if (message)
        json_object_set_new(j, "message", json_string(message));
    return j;
}

static bool selected(const grade_options *o, const lesson *l)
{
    if (!o->lessons || o->nlessons == 0)
        return true;
    for (size_t i = 0; i < o->nlessons; i++)
        if (strcmp(o->lessons[i], l->id) == 0 || strcmp(o->lessons[i], l->slug) == 0)
            return true;
    return false;
}

static json_t *test_json(const test_info *t, const test_outcome *out, double max, uint64_t seed)
{
    double score = out->status == TEST_PASSED ? max : 0;
    json_t *j = json_pack("{s:s, s:s, s:s, s:f, s:f, s:I, s:I, s:s, s:i, s:b}", "name", t->name,
                          "category", category_names[t->category], "status",
                          test_status_names[out->status], "score", round2(score), "max_score",
                          round2(max), "seed", (json_int_t)seed, "duration_ms",
                          (json_int_t)llround(out->duration_ms), "visibility",
                          t->hidden ? "hidden" : "public", "attempts", out->attempts,
                          "tsan", out->tsan_run);
    if (out->message)
        json_object_set_new(j, "message", json_string(out->message));
    return j;
}

static json_t *grade_lesson(const grade_options *o, const lesson *l)
{
    double start = monotonic_ms();
    char *src = submission_file(o->submission, l);
    if (!src)
        return lesson_stub(l, "missing",
                           "no file submitted for this lesson");
    char *workdir = make_temp_dir("grader");
    if (!workdir) {
        free(src);
        return lesson_stub(l, "error", "the grader could not create a work directory");
    }
    build_options bo = { o->c, l, src, workdir, !o->public_only && l->hidden_tests != NULL };
    build_result br;
    build_lesson(&bo, &br);
    json_t *lj = NULL;
    if (br.status != BUILD_OK) {
        static const char *const names[] = { "graded", "compile_error", "forbidden", "error" };
        char *msg = trim_text(br.message ? br.message : "", 40, 4000);
        lj = lesson_stub(l, names[br.status], msg);
        free(msg);
        goto out;
    }
    run_context ctx = { l, workdir, br.bin, br.bin_tsan, o->seed, hash_file(br.bin, 0),
                        br.bin_tsan ? hash_file(br.bin_tsan, 0) : 0 };
    test_info *tests;
    size_t ntests;
    char *err = NULL;
    if (list_tests(&ctx, &tests, &ntests, &err) != 0) {
        char *msg = trim_text(err, 20, 2000);
        lj = lesson_stub(l, "error", msg);
        free(msg);
        free(err);
        goto out;
    }
    int per_cat[NCAT] = { 0 };
    for (size_t i = 0; i < ntests; i++)
        per_cat[tests[i].category]++;
    lj = lesson_stub(l, "graded", NULL);
    if (br.warnings) {
        char *w = trim_text(br.warnings, 20, 2000);
        json_object_set_new(lj, "warnings", json_string(w));
        free(w);
    }
    json_t *tarr = json_object_get(lj, "tests");
    double score = 0;
    for (size_t i = 0; i < ntests; i++) {
        if (o->only_test && strcmp(o->only_test, tests[i].name) != 0)
            continue;
        if (!o->quiet)
            fprintf(stderr, "  %s: %s ...\n", l->id, tests[i].name);
        test_outcome out;
        run_test(&ctx, &tests[i], &out);
        double max = l->points[tests[i].category] / per_cat[tests[i].category];
        if (out.status == TEST_PASSED)
            score += max;
        /* A failure reports the seed of its failing run (replay repeats it). */
        uint64_t seed = out.status == TEST_PASSED ? o->seed : out.seed;
        json_array_append_new(tarr, test_json(&tests[i], &out, max, seed));
        test_outcome_free(&out);
    }
    json_object_set_new(lj, "score", json_real(round2(score)));
    free_tests(tests, ntests);
out:
    json_object_set_new(lj, "duration_ms", json_integer((json_int_t)llround(monotonic_ms() - start)));
    build_result_free(&br);
    if (!getenv("GRADER_KEEP_WORKDIR"))
        remove_tree(workdir);
    free(workdir);
    free(src);
    return lj;
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
    return j;
}

json_t *grade_submission(const grade_options *o)
{
    double start = monotonic_ms();
    char *when = iso_time_now();
    json_t *lessons = json_array();
    double score = 0, max = 0;
    for (size_t i = 0; i < o->c->nlessons; i++) {
        const lesson *l = &o->c->lessons[i];
        if (!selected(o, l))
            continue;
        json_t *lj = grade_lesson(o, l);
        score += json_number_value(json_object_get(lj, "score"));
        max += json_number_value(json_object_get(lj, "max_score"));
        json_array_append_new(lessons, lj);
    }
    json_t *root = json_pack("{s:i, s:s, s:s, s:s, s:s, s:I, s:f, s:f, s:o, s:o}",
                             "schema_version", SCHEMA_VERSION, "grader_version", GRADER_VERSION,
                             "suite", o->public_only ? "public" : "full", "submission",
                             o->submission, "graded_at", when, "seed", (json_int_t)o->seed,
                             "score", round2(score), "max_score", round2(max), "lessons", lessons,
                             "sandbox", sandbox_json());
    json_object_set_new(root, "duration_ms", json_integer((json_int_t)llround(monotonic_ms() - start)));
    free(when);
    return root;
}
