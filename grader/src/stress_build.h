/* stress_build.h - `grader stress prog.c ...`: the program built two ways.
 *
 * Source mode builds the caller's program as the grading path builds a
 * submission: plain (cc -std=c17 -g -pthread) and with ThreadSanitizer
 * (-fsanitize=thread), so both flavours can run. The program is the
 * caller's own and trusted: the compiler runs outside the sandbox.
 */
#ifndef STRESS_BUILD_H
#define STRESS_BUILD_H

#include <stdbool.h>
#include <stddef.h>

/* Builds `srcs` into DIR/prog (tsan: DIR/prog_tsan) with $CC (default cc).
 * Returns the binary's path (malloc'd), or NULL with *errors set to the
 * compiler's first error lines (malloc'd; "" when it could not run). */
char *stress_build(char *const *srcs, size_t n, const char *dir, bool tsan, char **errors);

#endif
