/* tool.h - run one toolchain step (compiler, objcopy, linker, addr2line) in
 * the sandbox, with an argv built piece by piece.
 *
 * build.c (the student's file) and objcache.c (the course's own objects)
 * both compile and link; this is the one place that knows how.
 */
#ifndef TOOL_H
#define TOOL_H

#include <stddef.h>

typedef struct argv_t {
    char **v;
    size_t n, cap;
} argv_t;

/* Appends a copy of `s` (argv stays NULL-terminated). */
void arg(argv_t *a, const char *s);
/* Appends every string of a NULL-terminated list. */
void args(argv_t *a, const char *const *list);
/* Appends each word of a space-separated string (flags from the Makefile). */
void arg_words(argv_t *a, const char *words);
void argv_free(argv_t *a);

/* The C compiler: $GRADER_CC or cc, found in PATH once. */
const char *cc_path(void);

/* Runs the step in the sandbox (it sees the system, the work dir and
 * `ro_paths`, nothing else of the course). Returns 0 when it succeeded, else
 * -1 with an explanation in *out; output (warnings) goes to *out too, NULL
 * when there is none. */
int run_tool(argv_t *a, const char *workdir, const char *const *ro_paths, unsigned timeout_ms,
             char **out);

#endif
