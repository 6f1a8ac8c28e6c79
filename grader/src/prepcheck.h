/* prepcheck.h - find identifiers in a preprocessed translation unit.
 *
 * The student's file is preprocessed once and both flavours (plain and
 * ThreadSanitizer) compile that text. After preprocessing no macro can hide
 * a name any more: an attribute that turns a sanitizer off
 * (no_sanitize_thread, no_sanitize("thread"), __no_sanitize_thread__,
 * disable_sanitizer_instrumentation, however a macro spelled or pasted it)
 * is there as its own identifier, so looking for it is sound. The scan skips
 * string and character literals and follows the line markers, so a hit
 * names the file and line the identifier came from.
 */
#ifndef PREPCHECK_H
#define PREPCHECK_H

#include <stdbool.h>
#include <stddef.h>

typedef struct prep_hit {
    char ident[64];  /* the identifier found (cut at 63 bytes) */
    char file[128];  /* the file its line marker named (cut), "" if none */
    unsigned line;
} prep_hit;

/* match(id, len, ctx) says whether an identifier is what we look for. */
typedef bool (*prep_match)(const char *id, size_t len, void *ctx);

/* The first identifier of text (len bytes) that match accepts: true and *hit. */
bool prep_find(const char *text, size_t len, prep_match match, void *ctx, prep_hit *hit);

/* A matcher: attributes that keep a function from a sanitizer's instrumentation. */
bool prep_is_sanitizer_off(const char *id, size_t len, void *ctx);

/* A matcher: exactly the NUL-terminated name ctx. */
bool prep_is_name(const char *id, size_t len, void *ctx);

#endif
