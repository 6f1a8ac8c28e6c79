/* summary.h - the class view of a batch: every DIR/<student>.json read back
 * and folded into one summary document, then written out as summary.json,
 * summary.csv (gradebook), scores.ndjson (LTI AGS scores) and report.html.
 * `grader batch` and `grader merge` (several shards' DIRs) both use it. */
#ifndef SUMMARY_H
#define SUMMARY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* True for a student id we accept as a file name: [A-Za-z0-9_] then up to
 * 99 of [A-Za-z0-9._@+-], not a reserved name ("summary", "scores", ...). */
bool student_id_ok(const char *id);

/* Reads the per-student JSONs in `dirs` (a student in several dirs: the most
 * recently graded wins, with a warning). Never NULL; warnings on stderr. */
json_t *summary_build(const char *const *dirs, size_t ndirs);

/* Writes summary.json, summary.csv, scores.ndjson and report.html into
 * `outdir` (each atomically). Returns 0 or -1. */
int summary_write(json_t *summary, const char *outdir);

/* CSV / NDJSON / HTML texts of a summary, malloc'd. */
char *summary_csv(json_t *summary);
char *summary_ndjson(json_t *summary);
char *class_report_html(json_t *summary);

#endif
