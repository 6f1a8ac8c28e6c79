/* tsan_report.h - turn ThreadSanitizer's log into one line of feedback that
 * names the kind of problem and the two places in the student's file.
 */
#ifndef TSAN_REPORT_H
#define TSAN_REPORT_H

#include "course.h"

/* Removes old logs (tsan.*) from the work dir before a run. */
void tsan_clear(const char *workdir);

/* Reads the run's logs. Returns malloc'd feedback for the first report that
 * the lesson counts as a fault, or NULL when there is none. */
char *tsan_summarize(const char *workdir, const lesson *l);

/* The same for a log already in memory (unit-testable). `student_file` is
 * the basename of the student's file ("bank.c"). */
char *tsan_summarize_text(const char *log, const char *student_file,
                          char *const *ignore, size_t nignore);

#endif
