/* sites.h - the concurrency engine's records, made readable.
 *
 * The engine (grader/harness/engine.h) writes code locations as "@HEX", an
 * offset into the executable; a crash record lists return addresses. These
 * helpers pick records out of a run's channel and turn the locations into
 * "transfer.c:31" with addr2line: the grader's one symboliser.
 */
#ifndef SITES_H
#define SITES_H

#include <stdbool.h>

#include "student_range.h"

/* `text` with every "@HEX" replaced by file:line (basename), "?" when
 * unknown. addr2line runs in the sandbox with `workdir` as its work dir, or
 * directly when workdir is NULL (a trusted program). malloc'd. */
char *sites_symbolize(const char *text, const char *bin, const char *workdir);

/* Where a crash happened, from the harness's "crash" record (the text after
 * "crash ": the signal, then return addresses): "in FUNC (FILE:LINE)" for
 * the first frame in the student's code (e.g. "bank.c"), else NULL. The
 * student's code is `student`'s address range when known (a #line in the
 * student's file cannot rename it away; a name it chose is shown escaped
 * and as the #line's), else the frames that name `student_file`.
 * malloc'd. Same addr2line runner as sites_symbolize. */
char *sites_crash_location(const char *record, const char *bin, const char *workdir,
                           const char *student_file, const code_range *student);

/* The text after "KIND " of the first (or last) such record, one line,
 * malloc'd; NULL when there is none. */
char *record_text(const char *records, const char *kind, bool last);

#endif
