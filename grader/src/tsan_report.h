/* tsan_report.h - turn ThreadSanitizer's log into one line of feedback that
 * names the kind of problem and the two places in the student's file.
 */
#ifndef TSAN_REPORT_H
#define TSAN_REPORT_H

#include "course.h"
#include "student_range.h"

/* Removes old logs (tsan.*) from the work dir before a run. */
void tsan_clear(const char *workdir);

/* Reads the run's logs in `logdir`. Returns malloc'd feedback for the
 * first report that the lesson counts as a fault, or NULL when there is
 * none. The student's frames are those inside the student's object in
 * `bin` (student_range.h, from the build in `workdir`), whatever file name
 * their debug info gives. */
char *tsan_summarize(const char *logdir, const lesson *l, const char *workdir, const char *bin);

/* Where the student's code is: frames "(MODULE+0xOFFSET)" with MODULE the
 * test binary's basename and OFFSET in `range`. */
typedef struct student_code {
    const char *module;
    code_range range;
} student_code;

/* The same for a log already in memory (unit-testable). `student_file` is
 * the basename of the student's file ("bank.c"). `code` NULL: a frame is
 * the student's by its file name alone (no binary to look into). */
char *tsan_summarize_text_in(const char *log, const char *student_file, const student_code *code,
                             char *const *ignore, size_t nignore);
char *tsan_summarize_text(const char *log, const char *student_file,
                          char *const *ignore, size_t nignore);

#endif
