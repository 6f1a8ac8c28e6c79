/* cmd_merge.c - `grader merge [--out DIR] [--format F] DIR...`: the class
 * files from several shards' result directories (see README, "Grading a
 * class"). Also batch_finish(), which `grader batch` calls at its end. */
#include "batch.h"
#include "commands.h"
#include "output.h"
#include "summary.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* <outdir>/<format>/<id>.json for every student in the summary. */
static int write_format_copies(json_t *summary, const char *const *dirs, size_t ndirs,
                               const char *outdir, const char *format)
{
    char *fdir = xasprintf("%s/%s", outdir, format);
    if (mkdir(fdir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "grader: cannot create %s\n", fdir);
        free(fdir);
        return -1;
    }
    int rc = 0;
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(summary, "students"), i, s) {
        const char *id = json_string_value(json_object_get(s, "id"));
        json_t *doc = NULL;
        for (size_t k = 0; k < ndirs && !doc; k++) {
            char *path = student_json_path(dirs[k], id);
            json_t *d = json_load_file(path, 0, NULL);
            free(path);
            const char *when = json_string_value(json_object_get(d, "graded_at"));
            if (d && when && strcmp(when, json_string_value(json_object_get(s, "graded_at"))) == 0)
                doc = d;
            else
                json_decref(d);
        }
        char *out = student_json_path(fdir, id);
        if (!doc || output_write(doc, format, out) != 0) {
            fprintf(stderr, "grader: cannot write %s\n", out);
            rc = -1;
        }
        free(out);
        json_decref(doc);
    }
    free(fdir);
    return rc;
}

int batch_finish(const char *const *dirs, size_t ndirs, const char *outdir, const char *format)
{
    json_t *summary = summary_build(dirs, ndirs);
    int rc = summary_write(summary, outdir);
    if (rc == 0 && strcmp(format, "native") != 0)
        rc = write_format_copies(summary, dirs, ndirs, outdir, format);
    json_decref(summary);
    return rc;
}

int cmd_merge(int argc, char **argv)
{
    static const struct option opts[] = { { "out", required_argument, 0, 'o' },
                                          { "format", required_argument, 0, 'f' },
                                          { "help", no_argument, 0, 'h' },
                                          { 0, 0, 0, 0 } };
    const char *outdir = NULL, *format = "native";
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'o': outdir = optarg; break;
        case 'f': format = optarg; break;
        case 'h':
        default:
            fprintf(ch == 'h' ? stdout : stderr,
                    "usage: grader merge [--out DIR] [--format F] RESULTS_DIR...\n"
                    "  the class files (summary.csv/json, scores.ndjson, report.html) of\n"
                    "  several shards' `grader batch --out` directories; --out defaults to\n"
                    "  the first of them\n");
            return ch == 'h' ? 0 : 2;
        }
    }
    if (optind >= argc)
        return fprintf(stderr, "usage: grader merge [--out DIR] [--format F] RESULTS_DIR...\n"), 2;
    if (!output_format_known(format)) {
        fprintf(stderr, "grader: unknown format '%s'\n", format);
        return 2;
    }
    const char *const *dirs = (const char *const *)&argv[optind];
    size_t ndirs = (size_t)(argc - optind);
    if (!outdir)
        outdir = dirs[0];
    if (mkdir(outdir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "grader: cannot create %s\n", outdir);
        return 1;
    }
    return batch_finish(dirs, ndirs, outdir, format) == 0 ? 0 : 1;
}
