/* header_api.h - a lesson's API is what its header declares.
 *
 * The globals a student's file must define (and the only ones it may define)
 * are the functions and variables that exercises/NN-slug/slug.h declares at
 * file scope, so the list is read from the header instead of being written a
 * second time in lesson.json, where it could disagree.
 */
#ifndef HEADER_API_H
#define HEADER_API_H

#include <stddef.h>

/* Lists the names the C header `text` declares at file scope, in order:
 * function prototypes and (extern) variables. Not API: typedefs, struct,
 * union and enum definitions, static or inline definitions, macros and other
 * preprocessor lines, comments. The parser is for plain headers like the
 * course's (no macros that expand to declarations, no K&R C).
 * Returns 0 with a malloc'd array of malloc'd names in *names (free with
 * header_api_free), or -1 when out of memory. */
int header_api(const char *text, char ***names, size_t *n);
void header_api_free(char **names, size_t n);

#endif
