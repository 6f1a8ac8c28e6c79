/* textbuf.c - see textbuf.h. */
#include "textbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void append(textbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *grown = realloc(b->s, cap);
        if (!grown)
            abort();
        b->s = grown;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void tb_put(textbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *piece = NULL;
    int n = vasprintf(&piece, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    append(b, piece, (size_t)n);
    free(piece);
}

void tb_html(textbuf *b, const char *text)
{
    for (const char *p = text; *p; p++) {
        size_t n = strcspn(p, "&<>\"'");
        append(b, p, n);
        p += n;
        if (!*p)
            break;
        switch (*p) {
        case '&': append(b, "&amp;", 5); break;
        case '<': append(b, "&lt;", 4); break;
        case '>': append(b, "&gt;", 4); break;
        case '"': append(b, "&quot;", 6); break;
        default: append(b, "&#39;", 5); break;
        }
    }
    if (!b->s)
        append(b, "", 0);
}
