/* safetext.c - see safetext.h. */
#include "safetext.h"
#include "textbuf.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Decodes one UTF-8 character at s (strict: no overlongs, no surrogates,
 * nothing above U+10FFFF). Returns its length, or 0 when the bytes there
 * are not a valid character (the caller replaces one byte). */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t n;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) /* also stops at the NUL */
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

size_t utf8_cut(const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    if (n < max)
        return n;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */
static const char ellipsis[] = "...";

char *text_json_safe(const char *s, size_t max)
{
    if (!s)
        return NULL;
    if (max < sizeof ellipsis)
        max = sizeof ellipsis;
    textbuf b = { 0 };
    tb_put(&b, "%s", "");
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        size_t n = utf8_decode(p, &cp);
        const char *piece = n ? (const char *)p : replacement;
        size_t len = n ? n : sizeof replacement - 1;
        /* Room for this character and, should more follow, the ellipsis. */
        if (b.len + len + (p[n ? n : 1] ? sizeof ellipsis - 1 : 0) > max) {
            tb_put(&b, "%s", ellipsis);
            break;
        }
        tb_put(&b, "%.*s", (int)len, piece);
        p += n ? n : 1;
    }
    return b.s;
}

/* Characters a terminal acts on instead of showing. */
static bool terminal_control(uint32_t cp, bool one_line)
{
    if (cp == '\n' || cp == '\t')
        return one_line;
    return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

char *text_terminal_safe(const char *s, size_t max, int one_line)
{
    char *valid = text_json_safe(s ? s : "", max);
    textbuf b = { 0 };
    tb_put(&b, "%s", "");
    const unsigned char *p = (const unsigned char *)valid;
    while (*p) {
        uint32_t cp = 0;
        size_t n = utf8_decode(p, &cp); /* valid: n >= 1 */
        if (n == 0)
            n = 1;
        if (!terminal_control(cp, one_line))
            tb_put(&b, "%.*s", (int)n, (const char *)p);
        else if (cp < 0x100)
            tb_put(&b, "\\x%02X", (unsigned)cp);
        else
            tb_put(&b, "\\u{%04X}", (unsigned)cp);
        p += n;
    }
    free(valid);
    return b.s;
}

char *text_csv_cell(const char *s)
{
    if (!s)
        s = "";
    bool formula = strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0';
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    textbuf b = { 0 };
    tb_put(&b, "%s%s", quote ? "\"" : "", formula ? "'" : "");
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            tb_put(&b, "\"\"");
        else
            tb_put(&b, "%c", *p);
    }
    tb_put(&b, "%s", quote ? "\"" : "");
    return b.s;
}
