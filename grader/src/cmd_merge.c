/* cmd_merge.c - `grader merge [--out DIR] [--format F] DIR...`: the class
 * files from several shards' result directories (see README, "Grading a
 * class"). The class files themselves are batch_finish.c's job. */
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
