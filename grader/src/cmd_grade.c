/* cmd_grade.c - `grader grade [options] SUBMISSION_DIR`. */
#include "commands.h"
#include "grade.h"
#include "output.h"
#include "results_json.h"
#include "subhash.h"
#include "table.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(FILE *f)
{
    fprintf(f,
            "usage: grader grade [options] SUBMISSION_DIR\n"
            "  --lesson SLUG     grade only this lesson (repeatable; 02-bank or bank)\n"
            "  --out FILE        write the JSON here (default: stdout)\n"
            "  --format F        native (default), gradescope or prairielearn\n"
            "  --seed N          the schedule seed (default: random; reported in the JSON)\n"
            "  --public          public tests only (what `make check` runs)\n"
            "  --category C      only the tests of this category (repeatable): functional,\n"
            "                    race, deadlock, ordering or timing; the JSON lists them in\n"
            "                    \"categories\" and the tests of the others score nothing\n"
            "  --table           print the score table on stderr\n"
            "  --details         with --table: every failing test in full\n"
            "  --course DIR      the course root (default: above the grader binary)\n"
            "  --quiet           no progress lines\n"
            "  --jobs N          lessons graded at once (default: the number of cores)\n"
            "  --student ID      record this student id in the JSON (what `batch` passes)\n");
    return f == stdout ? 0 : 2;
}

int cmd_grade(int argc, char **argv)
{
    static const struct option opts[] = {
        { "lesson", required_argument, 0, 'l' }, { "out", required_argument, 0, 'o' },
        { "format", required_argument, 0, 'f' }, { "seed", required_argument, 0, 's' },
        { "public", no_argument, 0, 'p' },       { "table", no_argument, 0, 't' },
        { "details", no_argument, 0, 'd' },      { "course", required_argument, 0, 'c' },
        { "quiet", no_argument, 0, 'q' },        { "help", no_argument, 0, 'h' },
        { "student", required_argument, 0, 'S' }, { "jobs", required_argument, 0, 'j' },
        { "category", required_argument, 0, 'C' },
        { 0, 0, 0, 0 }
    };
    const char *lessons[64];
    size_t nlessons = 0;
    const char *out = NULL, *format = "native", *root_opt = NULL, *student = NULL;
    bool public_only = false, table = false, details = false, quiet = false, have_seed = false;
    uint64_t seed = 0;
    long jobs = 0;
    unsigned categories = 0;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'l':
            if (nlessons < 64)
                lessons[nlessons++] = optarg;
            break;
        case 'o': out = optarg; break;
        case 'f': format = optarg; break;
        case 's': seed = strtoull(optarg, NULL, 10); have_seed = true; break;
        case 'p': public_only = true; break;
        case 't': table = true; break;
        case 'd': details = true; break;
        case 'c': root_opt = optarg; break;
        case 'q': quiet = true; break;
        case 'S': student = optarg; break;
        case 'j':
            jobs = strtol(optarg, NULL, 10);
            if (jobs < 1 || jobs > 256) {
                fprintf(stderr, "grader: --jobs must be 1..256\n");
                return 2;
            }
            break;
        case 'C': {
            int cat = category_from_name(optarg);
            if (cat < 0) {
                fprintf(stderr, "grader: unknown category '%s' (functional, race, deadlock, "
                        "ordering or timing)\n", optarg);
                return 2;
            }
            categories |= 1u << cat;
            break;
        }
        case 'h': return usage(stdout);
        default: return usage(stderr);
        }
    }
    if (optind != argc - 1)
        return usage(stderr);
    if (!output_format_known(format)) {
        fprintf(stderr, "grader: unknown format '%s'\n", format);
        return 2;
    }
    const char *submission = argv[optind];
    if (!is_dir(submission)) {
        fprintf(stderr, "grader: %s is not a directory\n", submission);
        return 2;
    }
    course c;
    int status = course_open(&c, root_opt, lessons, nlessons);
    if (status != 0)
        return status;
    if (!have_seed)
        seed = random_u64() % 1000000000ull;
    grade_options go = { &c, submission, lessons, nlessons, public_only, seed, NULL,
                         categories, quiet, (unsigned)jobs };
    json_t *results = grade_submission(&go);
    if (student)
        json_object_set_new(results, "student", json_string(student));
    char *hash = submission_hash(&c, submission, lessons, nlessons);
    json_object_set_new(results, "submission_hash", json_string(hash));
    free(hash);
    int rc = output_write(results, format, out) == 0 ? 0 : 1;
    sandbox_warn_unprotected(stderr);
    if (table)
        print_table(stderr, results, details);
    json_decref(results);
    course_free(&c);
    return rc;
}
