/* batch_check.c - re-validates every student's results file before the
 * class files use it.
 *
 * A grading's JSON is written by a child `grader grade` next to the others.
 * Where student code runs under the grader's own uid without namespaces
 * (results not protected), code that outlived its grading could rewrite its
 * own file or forge another student's. So before the summary: the file must
 * be the one the batch saw published (its content hash, kept in memory),
 * make sense against the course (lessons, maxima, sums) and name the
 * submission on disk (submission_hash). A file that fails is replaced by an
 * error document saying why: the student is graded again by the next run.
 */
#include "batch.h"
#include "score.h"
#include "subhash.h"
#include "util.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* a, a sum of `terms` values each rounded to 0.01 (score_round), against
 * b, rounded once: each term may be off by half a cent. */
static bool near(double a, double b, size_t terms)
{
    return fabs(a - b) <= 0.005 * (double)(terms + 1) + 1e-6 * fabs(b);
}

static const lesson *course_lesson(const course *c, const char *id)
{
    for (size_t i = 0; c && id && i < c->nlessons; i++)
        if (strcmp(c->lessons[i].id, id) == 0)
            return &c->lessons[i];
    return NULL;
}

/* NULL when `doc` is a sane results document for this course, else why not
 * (static text). */
static const char *insane(const course *c, json_t *doc)
{
    json_t *lessons = json_object_get(doc, "lessons");
    json_t *score = json_object_get(doc, "score"), *max = json_object_get(doc, "max_score");
    if (!json_is_object(doc) || !json_is_array(lessons) || !json_is_number(score) ||
        !json_is_number(max) || json_integer_value(json_object_get(doc, "schema_version")) != 1)
        return "not a results document";
    double sum = 0, sum_max = 0;
    size_t i;
    json_t *l;
    json_array_foreach(lessons, i, l) {
        const lesson *cl = course_lesson(c, json_string_value(json_object_get(l, "id")));
        json_t *ls = json_object_get(l, "score"), *lm = json_object_get(l, "max_score");
        json_t *tests = json_object_get(l, "tests");
        if (!cl || !json_is_number(ls) || !json_is_number(lm) || !json_is_array(tests))
            return "a lesson that is not this course's, or without scores";
        if (!near(json_number_value(lm), score_lesson_max(cl), 1))
            return "a lesson's max_score is not the course's";
        if (json_number_value(ls) < 0 || json_number_value(ls) > json_number_value(lm) + 1e-6)
            return "a lesson's score is outside 0..max_score";
        double tsum = 0;
        size_t k;
        json_t *t;
        json_array_foreach(tests, k, t) {
            double ts = json_number_value(json_object_get(t, "score"));
            double tm = json_number_value(json_object_get(t, "max_score"));
            if (ts < 0 || ts > tm + 1e-6)
                return "a test's score is outside 0..max_score";
            tsum += ts;
        }
        if (json_array_size(tests) && !near(tsum, json_number_value(ls), json_array_size(tests)))
            return "a lesson's score is not the sum of its tests'";
        sum += json_number_value(ls);
        sum_max += json_number_value(lm);
    }
    if (!near(sum, json_number_value(score), json_array_size(lessons)) ||
        !near(sum_max, json_number_value(max), json_array_size(lessons)))
        return "the total is not the sum of the lessons'";
    return NULL;
}

void batch_check_results(const batch_options *o, student *students, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        student *s = &students[i];
        char *path = student_json_path(o->outdir, s->id);
        if (!is_file(path)) {
            free(path);
            continue; /* never graded (interrupted): nothing to trust */
        }
        const char *why = NULL;
        if (s->results_hash && hash_file(path, 0) != s->results_hash)
            why = "it changed after its grading published it";
        json_t *doc = why ? NULL : json_load_file(path, 0, NULL);
        if (!why)
            why = insane(o->c, doc);
        if (!why) {
            char *now = submission_hash(o->c, s->dir, o->lessons, o->nlessons);
            const char *h = json_string_value(json_object_get(doc, "submission_hash"));
            if (!h || strcmp(h, now) != 0)
                why = "its submission_hash is not the submission's on disk";
            free(now);
        }
        json_decref(doc);
        if (why) {
            char *reason = xasprintf("its results file failed re-validation (%s): not trusted, "
                                     "grade again",
                                     why);
            fprintf(stderr, "grader: %s: %s\n", s->id, reason);
            batch_log(o->outdir, "invalid %s %s", s->id, why);
            /* Not this submission's hash: a resumed batch grades it again. */
            student untrusted = *s;
            untrusted.hash = "revalidation-failed";
            batch_write_error_doc(o, &untrusted, reason);
            free(reason);
        }
        free(path);
    }
}
