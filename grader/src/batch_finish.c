/* batch_finish.c - the class files at the end of `grader batch` (and of
 * `grader merge`, for several shards' directories): summary.csv,
 * summary.json, scores.ndjson and report.html from the students' JSONs
 * (summary.c, summary_out.c, class_report.c), plus each student's results in
 * an LMS format when asked. */
#include "batch.h"
#include "output.h"
#include "summary.h"
#include "util.h"

#include <errno.h>
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

