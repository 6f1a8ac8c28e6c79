/* sites.h - the concurrency engine's records, made readable.
 *
 * The engine (grader/harness/engine.h) writes code locations as "@HEX", an
 * offset into the executable. These helpers pick records out of a run's
 * channel and turn the locations into "transfer.c:31" with addr2line.
 */
#ifndef SITES_H
#define SITES_H

#include <stdbool.h>

/* `text` with every "@HEX" replaced by file:line (basename), "?" when
 * unknown. addr2line runs in the sandbox with `workdir` as its work dir, or
 * directly when workdir is NULL (a trusted program). malloc'd. */
char *sites_symbolize(const char *text, const char *bin, const char *workdir);

/* The text after "KIND " of the first (or last) such record, one line,
 * malloc'd; NULL when there is none. */
char *record_text(const char *records, const char *kind, bool last);

#endif
