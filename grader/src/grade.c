/* grade.c - see grade.h. The orchestration: which lessons, each one built,
 * its tests listed and run, its score added up. Lessons are graded in
 * parallel child processes (pool.c); scoring is score.c, the JSON's shape
 * results_json.c, a test's verdict runtest.c and verdict.c.
 */
#include "grade.h"
#include "build.h"
#include "objcache.h"
#include "pool.h"
#include "results_json.h"
#include "safetext.h"
#include "runtest.h"
#include "score.h"
#include "util.h"
#include "../../sandbox/sandbox.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool selected(const grade_options *o, const lesson *l)
{
    if (!o->lessons || o->nlessons == 0)
        return true;
    for (size_t i = 0; i < o->nlessons; i++)
        if (strcmp(o->lessons[i], l->id) == 0 || strcmp(o->lessons[i], l->slug) == 0)
            return true;
    return false;
}

/* One test run in a pool child: its verdict travels as JSON. */
typedef struct test_job {
    const lesson *l;
    const run_context *ctx;
    const test_info *tests;
    const size_t *index; /* the pieces' tests */
} test_job;

/* The progress line "  LESSON: TEST ...": the test's name came from running
 * the test binary, so it is escaped for the terminal. */
static void progress_line(FILE *progress, const lesson *l, const char *test)
{
    char *name = text_terminal_safe(test, 200, true);
    fprintf(progress, "  %s: %s ...\n", l->id, name);
    free(name);
}

static json_t *test_piece(size_t i, FILE *progress, void *ctx)
{
    const test_job *tj = ctx;
    const test_info *t = &tj->tests[tj->index[i]];
    progress_line(progress, tj->l, t->name);
    test_outcome out;
    run_test(tj->ctx, t, &out);
    json_t *j = test_outcome_to_json(&out);
    test_outcome_free(&out);
    return j;
}

/* Runs the tests of a built lesson into `lj` (status "graded"): in this
 * process, or `test_jobs` at once in children (timing tests in real time
 * alone). */
static void run_tests(const grade_options *o, const lesson *l, const run_context *ctx,
                      test_info *tests, size_t ntests, unsigned test_jobs, json_t *lj,
                      FILE *progress)
{
    int *cats = xcalloc(ntests + 1, sizeof *cats);
    double *shares = xcalloc(ntests + 1, sizeof *shares);
    bool *passed = xcalloc(ntests + 1, sizeof *passed);
    size_t *index = xcalloc(ntests + 1, sizeof *index), n = 0;
    for (size_t i = 0; i < ntests; i++) {
        cats[i] = tests[i].category;
        if ((!o->only_test || strcmp(o->only_test, tests[i].name) == 0) &&
            (!o->only_categories || (o->only_categories & (1u << tests[i].category))))
            index[n++] = i;
    }
    score_shares(l, cats, ntests, shares);
    test_outcome *outs = xcalloc(n + 1, sizeof *outs);
    if (test_jobs > 1 && n > 1) {
        json_t **results = xcalloc(n, sizeof *results);
        char **failures = xcalloc(n, sizeof *failures);
        bool *alone = xcalloc(n, sizeof *alone);
        for (size_t k = 0; k < n; k++)
            /* A timing test in virtual time is exact whatever the load. */
            alone[k] = tests[index[k]].category == CAT_TIMING && !tests[index[k]].virtual_time;
        test_job tj = { l, ctx, tests, index };
        pool_run(n, test_jobs, alone, test_piece, &tj, "test", progress, results, failures);
        for (size_t k = 0; k < n; k++) {
            test_outcome_from_json(results[k], failures[k], &outs[k]);
            json_decref(results[k]);
            free(failures[k]);
        }
        free(results);
        free(failures);
        free(alone);
    } else {
        for (size_t k = 0; k < n; k++) {
            if (progress)
                progress_line(progress, l, tests[index[k]].name);
            run_test(ctx, &tests[index[k]], &outs[k]);
        }
    }
    json_t *tarr = json_object_get(lj, "tests");
    for (size_t k = 0; k < n; k++) {
        size_t i = index[k];
        passed[i] = outs[k].status == TEST_PASSED;
        /* A failure reports the seed of its failing run (replay repeats it). */
        uint64_t seed = passed[i] ? o->seed : outs[k].seed;
        json_array_append_new(tarr, results_test(&tests[i], &outs[k], passed[i] ? shares[i] : 0,
                                                 shares[i], seed));
        test_outcome_free(&outs[k]);
    }
    json_object_set_new(lj, "score", json_real(score_total(shares, passed, ntests)));
    free(outs);
    free(index);
    free(cats);
    free(shares);
    free(passed);
}

static json_t *grade_lesson(const grade_options *o, const lesson *l, const char *workdir,
                            unsigned test_jobs, FILE *progress)
{
    double start = monotonic_ms();
    char *src = submission_file(o->submission, l);
    if (!src)
        return results_lesson(l, "missing", "no file submitted for this lesson");
    if (!workdir) {
        free(src);
        return results_lesson(l, "error", "the grader could not create a work directory");
    }
    build_options bo = { o->c, l, src, workdir, !o->public_only && l->hidden_tests != NULL,
                         test_jobs > 1 };
    build_result br;
    build_lesson(&bo, &br);
    json_t *lj = NULL;
    if (br.status != BUILD_OK) {
        static const char *const names[] = { "graded", "compile_error", "forbidden", "error" };
        char *msg = trim_text(br.message ? br.message : "", 40, 4000);
        lj = results_lesson(l, names[br.status], msg);
        free(msg);
        goto out;
    }
    sbx_caps caps;
    sbx_capabilities(&caps);
    run_context ctx = { .l = l, .workdir = workdir, .bin = br.bin, .bin_tsan = br.bin_tsan,
                        .judge = br.judge, .seed = o->seed,
                        .check_binaries = !caps.results_protected,
                        .parallel_runs = test_jobs > 1 ? 2 : 1 };
    if (ctx.check_binaries) {
        ctx.bin_hash = hash_file(br.bin, 0);
        ctx.bin_tsan_hash = br.bin_tsan ? hash_file(br.bin_tsan, 0) : 0;
        ctx.judge_hash = hash_file(br.judge, 0);
    }
    test_info *tests;
    size_t ntests;
    char *err = NULL;
    if (list_tests(&ctx, &tests, &ntests, &err) != 0) {
        char *msg = trim_text(err, 20, 2000);
        lj = results_lesson(l, "error", msg);
        free(msg);
        free(err);
        goto out;
    }
    lj = results_lesson(l, "graded", NULL);
    if (br.warnings) {
        char *w = trim_text(br.warnings, 20, 2000);
        json_object_set_new(lj, "warnings", json_text(w, MESSAGE_MAX));
        free(w);
    }
    run_tests(o, l, &ctx, tests, ntests, test_jobs, lj, progress);
    free_tests(tests, ntests);
out:
    json_object_set_new(lj, "duration_ms",
                        json_integer((json_int_t)llround(monotonic_ms() - start)));
    build_result_free(&br);
    free(src);
    return lj;
}

typedef struct grading {
    const grade_options *o;
    const lesson **lessons; /* the selected ones, in course order */
    char **workdirs;        /* one each, made and removed by the parent */
    unsigned jobs;          /* lessons at once */
    unsigned test_jobs;     /* tests at once within a lesson */
} grading;

static json_t *grade_piece(size_t i, FILE *progress, void *ctx)
{
    const grading *g = ctx;
    return grade_lesson(g->o, g->lessons[i], g->workdirs[i], g->test_jobs,
                        g->o->quiet ? NULL : progress);
}

json_t *grade_submission(const grade_options *o)
{
    double start = monotonic_ms();
    char *when = iso_time_now();
    grading g = { o, xcalloc(o->c->nlessons + 1, sizeof *g.lessons),
                  xcalloc(o->c->nlessons + 1, sizeof *g.workdirs), 0, 1 };
    size_t n = 0;
    for (size_t i = 0; i < o->c->nlessons; i++)
        if (selected(o, &o->c->lessons[i]))
            g.lessons[n++] = &o->c->lessons[i];
    g.jobs = o->jobs ? o->jobs : pool_default_jobs();
    /* Within a lesson, tests go side by side too (real-time timing tests alone), and
     * so do a stress test's runs (runtest.c): a lesson's work is mostly
     * waiting on one thread at a time, and the slowest lesson would
     * otherwise finish alone on an idle machine. At most about 4 runs per
     * core; --jobs 1 (what `grader batch` passes) is strictly sequential. */
    unsigned at_once = n < g.jobs ? (unsigned)n : g.jobs;
    g.test_jobs = g.jobs == 1 || !at_once ? 1 : g.jobs / at_once < 2 ? 2 : g.jobs / at_once;
    /* Only where a test cannot touch the work dir (namespaces: it is
     * read-only inside); without them one test's code could swap the
     * binary another test is about to run. */
    sbx_caps caps;
    sbx_capabilities(&caps);
    if (!caps.mount_ns)
        g.test_jobs = 1;
    for (size_t i = 0; i < n; i++)
        g.workdirs[i] = make_temp_dir("grader");
    /* Here, before the pool forks: a private cache (objcache.c) is then
     * one for the whole grading, and removed when this process exits. */
    free(objcache_dir(o->c));
    json_t **results = xcalloc(n + 1, sizeof *results);
    char **failures = xcalloc(n + 1, sizeof *failures);
    pool_run(n, g.jobs, NULL, grade_piece, &g, "lesson", stderr, results, failures);

    json_t *lessons = json_array();
    double score = 0, max = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *lj = results[i] ? results[i] : results_lesson(g.lessons[i], "error", failures[i]);
        score += json_number_value(json_object_get(lj, "score"));
        max += json_number_value(json_object_get(lj, "max_score"));
        json_array_append_new(lessons, lj);
        free(failures[i]);
        if (g.workdirs[i] && !getenv("GRADER_KEEP_WORKDIR"))
            remove_tree(g.workdirs[i]);
        free(g.workdirs[i]);
    }
    json_t *root = results_document(o->public_only, o->submission, when, o->seed, score, max,
                                    lessons);
    if (o->only_categories) {
        /* A partial grading says so: the tests of the other categories did
         * not run, are not listed, and score nothing. */
        json_t *cats = json_array();
        for (int c = 0; c < NCAT; c++)
            if (o->only_categories & (1u << c))
                json_array_append_new(cats, json_string(category_names[c]));
        json_object_set_new(root, "categories", cats);
    }
    json_object_set_new(root, "duration_ms",
                        json_integer((json_int_t)llround(monotonic_ms() - start)));
    free(results);
    free(failures);
    free(g.lessons);
    free(g.workdirs);
    free(when);
    return root;
}
