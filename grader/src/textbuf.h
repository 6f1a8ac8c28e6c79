/* textbuf.h - a growing text buffer with printf-style appends, for the
 * generated CSV, NDJSON and HTML files. Aborts on out-of-memory. */
#ifndef TEXTBUF_H
#define TEXTBUF_H

#include <stddef.h>

typedef struct textbuf {
    char *s;  /* NUL-terminated once anything was put; the caller frees it */
    size_t len, cap;
} textbuf;

void tb_put(textbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends `text` with & < > " ' as HTML entities. */
void tb_html(textbuf *b, const char *text);

#endif
