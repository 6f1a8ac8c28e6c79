/* cmd_convert.c - `grader convert --format F [--out FILE] RESULTS_JSON`:
 * re-exports a native results file in an LMS format (the fixtures' test and
 * instructors who switch LMS after grading use it). */
#include "commands.h"
#include "output.h"

#include <getopt.h>
#include <stdio.h>

static int usage(FILE *f)
{
    fprintf(f, "usage: grader convert --format native|gradescope|prairielearn [--out FILE] "
               "RESULTS_JSON\n");
    return f == stdout ? 0 : 2;
}

int cmd_convert(int argc, char **argv)
{
    static const struct option opts[] = { { "format", required_argument, 0, 'f' },
                                          { "out", required_argument, 0, 'o' },
                                          { "help", no_argument, 0, 'h' },
                                          { 0, 0, 0, 0 } };
    const char *format = "native", *out = NULL;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'f': format = optarg; break;
        case 'o': out = optarg; break;
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
    json_error_t jerr;
    json_t *native = json_load_file(argv[optind], 0, &jerr);
    if (!json_is_object(native)) {
        fprintf(stderr, "grader: %s: %s\n", argv[optind], jerr.text);
        json_decref(native);
        return 1;
    }
    int rc = output_write(native, format, out) == 0 ? 0 : 1;
    json_decref(native);
    return rc;
}
