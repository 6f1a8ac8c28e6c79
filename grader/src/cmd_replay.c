/* cmd_replay.c - `grader replay --lesson L --test T --seed S DIR`: re-runs one
 * test of one lesson with the seed a results JSON reported, so the same
 * schedule noise, spurious wake-ups and test inputs come back. Prints the
 * verdict; --out writes the usual JSON document too. */
#include "commands.h"
#include "grade.h"
#include "output.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(FILE *f)
{
    fprintf(f,
            "usage: grader replay --lesson SLUG --test NAME --seed N [options] SUBMISSION_DIR\n"
            "  --public        the public tests only (as `make check`)\n"
            "  --out FILE      also write the JSON here\n"
            "  --course DIR    the course root (default: above the grader binary)\n"
            "Exit status: 0 when the test ran (whatever its verdict), 1 grader failure,\n"
            "2 bad usage or no such test.\n");
    return f == stdout ? 0 : 2;
}

/* Prints the replayed test's verdict; returns false if it was not run. */
static bool print_verdict(json_t *results, const char *test)
{
    json_t *lesson = json_array_get(json_object_get(results, "lessons"), 0);
    const char *lstatus = json_string_value(json_object_get(lesson, "status"));
    if (lstatus && strcmp(lstatus, "graded") != 0) {
        const char *msg = json_string_value(json_object_get(lesson, "message"));
        printf("%s: %s\n", lstatus, msg ? msg : "");
        return true;
    }
    json_t *tests = json_object_get(lesson, "tests");
    for (size_t i = 0; i < json_array_size(tests); i++) {
        json_t *t = json_array_get(tests, i);
        if (strcmp(json_string_value(json_object_get(t, "name")), test) != 0)
            continue;
        const char *msg = json_string_value(json_object_get(t, "message"));
        printf("%s %s (seed %lld, %lld ms)%s%s\n", test,
               json_string_value(json_object_get(t, "status")),
               (long long)json_integer_value(json_object_get(t, "seed")),
               (long long)json_integer_value(json_object_get(t, "duration_ms")),
               msg ? ": " : "", msg ? msg : "");
        return true;
    }
    return false;
}

int cmd_replay(int argc, char **argv)
{
    static const struct option opts[] = {
        { "lesson", required_argument, 0, 'l' }, { "test", required_argument, 0, 't' },
        { "seed", required_argument, 0, 's' },   { "public", no_argument, 0, 'p' },
        { "out", required_argument, 0, 'o' },    { "course", required_argument, 0, 'c' },
        { "help", no_argument, 0, 'h' },         { 0, 0, 0, 0 }
    };
    const char *lesson_id = NULL, *test = NULL, *out = NULL, *root_opt = NULL;
    bool public_only = false, have_seed = false;
    uint64_t seed = 0;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'l': lesson_id = optarg; break;
        case 't': test = optarg; break;
        case 's': seed = strtoull(optarg, NULL, 10); have_seed = true; break;
        case 'p': public_only = true; break;
        case 'o': out = optarg; break;
        case 'c': root_opt = optarg; break;
        case 'h': return usage(stdout);
        default: return usage(stderr);
        }
    }
    if (optind != argc - 1 || !lesson_id || !test || !have_seed)
        return usage(stderr);
    const char *submission = argv[optind];
    if (!is_dir(submission)) {
        fprintf(stderr, "grader: %s is not a directory\n", submission);
        return 2;
    }
    const char *lessons[1] = { lesson_id };
    course c;
    int status = course_open(&c, root_opt, lessons, 1);
    if (status != 0)
        return status;
    grade_options go = { .c = &c, .submission = submission, .lessons = lessons, .nlessons = 1,
                         .public_only = public_only, .seed = seed, .only_test = test,
                         .quiet = true };
    json_t *results = grade_submission(&go);
    int rc = 0;
    if (!print_verdict(results, test)) {
        fprintf(stderr, "grader: lesson %s has no test '%s'\n", lesson_id, test);
        rc = 2;
    }
    if (out && output_write(results, "native", out) != 0)
        rc = 1;
    json_decref(results);
    course_free(&c);
    return rc;
}
