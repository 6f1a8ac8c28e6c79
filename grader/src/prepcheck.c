/* prepcheck.c - see prepcheck.h. The text is the compiler's output for the
 * student's file, so it is untrusted: every read stays within len. */
#include "prepcheck.h"

#include <stdio.h>
#include <string.h>

static bool ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool ident_char(char c)
{
    return ident_start(c) || (c >= '0' && c <= '9');
}

/* Past a "..." or '...' literal starting at i (the quote); stops at a newline. */
static size_t skip_literal(const char *t, size_t len, size_t i)
{
    char q = t[i++];
    while (i < len && t[i] != q && t[i] != '\n')
        i += (t[i] == '\\' && i + 1 < len) ? 2 : 1;
    return i < len && t[i] == q ? i + 1 : i;
}

/* A line marker "# 12 "file" flags" (or "#line 12 "file""): sets *line, file. */
static void read_marker(const char *t, size_t len, size_t i, unsigned *line, prep_hit *hit)
{
    i++; /* the '#' */
    while (i < len && (t[i] == ' ' || t[i] == '\t'))
        i++;
    if (len - i >= 4 && memcmp(t + i, "line", 4) == 0)
        i += 4;
    while (i < len && (t[i] == ' ' || t[i] == '\t'))
        i++;
    if (i >= len || t[i] < '0' || t[i] > '9')
        return; /* #pragma, #ident...: not a marker */
    unsigned long n = 0;
    while (i < len && t[i] >= '0' && t[i] <= '9' && n < 100000000ul)
        n = n * 10 + (unsigned long)(t[i++] - '0');
    while (i < len && t[i] == ' ')
        i++;
    if (i < len && t[i] == '"') {
        size_t end = skip_literal(t, len, i), k = 0;
        for (size_t j = i + 1; j + 1 < end && k + 1 < sizeof hit->file; j++)
            hit->file[k++] = t[j];
        hit->file[k] = '\0';
    }
    /* The marker's own newline will count one: the next line is n. */
    *line = (unsigned)n - 1;
}

bool prep_find(const char *t, size_t len, prep_match match, void *ctx, prep_hit *hit)
{
    memset(hit, 0, sizeof *hit);
    unsigned line = 1;
    bool line_start = true;
    for (size_t i = 0; i < len;) {
        char c = t[i];
        if (c == '\n') {
            line++;
            line_start = true;
            i++;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            i++;
        } else if (line_start && c == '#') {
            /* Markers set the place; #pragma lines are scanned like code. */
            read_marker(t, len, i, &line, hit);
            line_start = false;
            i++;
        } else if (c == '"' || c == '\'') {
            line_start = false;
            i = skip_literal(t, len, i);
        } else if (ident_start(c) || ((unsigned char)c >= 0x80)) {
            /* Identifiers (a byte >= 0x80 may be part of a UCN-free UTF-8 one). */
            line_start = false;
            size_t j = i;
            while (j < len && (ident_char(t[j]) || (unsigned char)t[j] >= 0x80))
                j++;
            if (ident_start(c) && match(t + i, j - i, ctx)) {
                size_t n = j - i < sizeof hit->ident ? j - i : sizeof hit->ident - 1;
                memcpy(hit->ident, t + i, n);
                hit->ident[n] = '\0';
                hit->line = line;
                return true;
            }
            i = j;
        } else if (c >= '0' && c <= '9') {
            /* A number (1.0e5, 0x1fULL): its letters are no identifier. */
            line_start = false;
            while (i < len && (ident_char(t[i]) || t[i] == '.'))
                i++;
        } else {
            line_start = false;
            i++;
        }
    }
    return false;
}

bool prep_is_sanitizer_off(const char *id, size_t len, void *ctx)
{
    (void)ctx;
    /* __x__ and x are the same attribute. */
    while (len > 0 && *id == '_')
        id++, len--;
    while (len > 0 && id[len - 1] == '_')
        len--;
    static const char *const prefixes[] = { "no_sanitize", "no_address_safety_analysis",
                                            "disable_sanitizer_instrumentation" };
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t n = strlen(prefixes[i]);
        if (len >= n && memcmp(id, prefixes[i], n) == 0)
            return true;
    }
    return false;
}

bool prep_is_name(const char *id, size_t len, void *ctx)
{
    const char *name = ctx;
    return strlen(name) == len && memcmp(id, name, len) == 0;
}
