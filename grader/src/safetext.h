/* safetext.h - untrusted bytes made safe for where they go.
 *
 * Text from a test run, a sanitizer, addr2line or the compiler is chosen by
 * the student's code: any bytes, any length. Three sinks need three kinds
 * of care, and each has one helper here:
 *  - JSON: Jansson refuses invalid UTF-8 (the whole message would vanish),
 *    so invalid bytes become U+FFFD and text is cut on a character boundary;
 *  - a terminal: ESC, other C0 controls (but \n and \t), DEL and C1 controls
 *    could clear the screen, move the cursor or forge a line; bidirectional
 *    overrides could reorder what is shown; they are printed as \xNN/\u{N};
 *  - a CSV cell: a leading = + - @ (or tab, CR) is a spreadsheet formula,
 *    so it gets a leading single quote (OWASP), and the cell is quoted.
 */
#ifndef SAFETEXT_H
#define SAFETEXT_H

#include <stddef.h>

/* Valid UTF-8 of at most `max` bytes (plus the NUL): invalid bytes are
 * replaced with U+FFFD, and text that does not fit is cut on a character
 * boundary and ends with "...". NULL in: NULL out. malloc'd. */
char *text_json_safe(const char *s, size_t max);

/* `s` for a terminal: text_json_safe(s, max), then every control character
 * except \n and \t (and bidirectional overrides) written as \xNN or
 * \u{NNNN}. With `one_line`, \n and \t are escaped too. malloc'd. */
char *text_terminal_safe(const char *s, size_t max, int one_line);

/* One CSV cell (RFC 4180): formula characters neutralised, quoted when it
 * holds , " CR or LF. malloc'd. */
char *text_csv_cell(const char *s);

/* The number of bytes of `s` (at most `max`) that end on a UTF-8
 * character boundary: never in the middle of a multi-byte character. */
size_t utf8_cut(const char *s, size_t max);

#endif
