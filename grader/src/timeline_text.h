/* timeline_text.h - the subject's "timeline" record, read and made readable.
 *
 * The engine writes what the student's threads did last (grader/harness/
 * timeline.h gives the record's format). That text comes from the student's
 * process, so nothing of it is copied: each word is parsed strictly into
 * numbers and a known kind, and the lines shown are rebuilt from those, with
 * each site named only when it lies in the student's code:
 *     T2 bank.c:40 lock(m1)
 *     T3 bank.c:52 wait(c2, m1)
 */
#ifndef TIMELINE_TEXT_H
#define TIMELINE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "student_range.h"

#define TIMELINE_MAX_EVENTS 32

typedef struct tl_item {
    uint32_t seq;
    unsigned tid, a, b, flags;
    char kind;
    bool has_site;
    uint64_t site; /* offset in the executable */
} tl_item;

/* The record's words that parse, in increasing sequence order (a word out
 * of order, malformed or beyond `max` is dropped). Pure. */
size_t timeline_parse(const char *text, tl_item *out, size_t max);

/* One event as a line: "T2 bank.c:40 lock(m1)"; `where` NULL: no site
 * named ("T2 lock(m1)"). malloc'd. Pure. */
char *timeline_line(const tl_item *it, const char *where);

/* The record's events as lines ("\n" between them), each site named by
 * addr2line (sites.c) when it lies in `student` (else, when that range is
 * unknown, when addr2line names `student_file`). NULL when no event parses.
 * malloc'd. */
char *timeline_symbolized(const char *text, const char *bin, const char *workdir,
                          const char *student_file, const code_range *student);

#endif
