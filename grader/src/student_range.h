/* student_range.h - where the student's code lies in a linked subject binary.
 *
 * Blame ("this frame is the student's code") must not rest on the file name
 * in the debug info: a `#line 1 "harness.c"` in the student's file renames
 * it, and a `#line 1 "bank.c"` could pass nothing of the course off as the
 * student's. The student's object is linked whole, so its .text is one
 * contiguous range of the binary: found from one function the object
 * defines (its offset in the object, its address in the binary) and the
 * size of the object's .text. An address in that range is the student's,
 * whatever name the debug info gives it.
 */
#ifndef STUDENT_RANGE_H
#define STUDENT_RANGE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct code_range {
    uint64_t lo, hi; /* [lo, hi) in the binary's addresses; lo == hi: unknown */
} code_range;

/* The range of the relocatable object `obj`'s .text inside the linked
 * `bin`. Returns 0, or -1 (the range is then empty). */
int student_range_find(const char *obj, const char *bin, code_range *out);

/* The object build.c linked into WORKDIR/subject (or subject_tsan). */
int student_range_of_build(const char *workdir, bool tsan, const char *bin, code_range *out);

static inline bool in_student_range(const code_range *r, uint64_t addr)
{
    return r && r->lo < r->hi && addr >= r->lo && addr < r->hi;
}

#endif
