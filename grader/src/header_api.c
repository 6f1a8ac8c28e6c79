/* header_api.c - see header_api.h. A small tokenizer (identifiers and
 * punctuation; comments, literals and preprocessor lines skipped), then one
 * look at each file-scope declaration, statement by statement. Uses only
 * libc so that tests can build it on its own. */
#include "header_api.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct token {
    const char *s; /* into the text; an identifier, or one punctuation char */
    size_t len;
} token;

typedef struct names {
    char **v;
    size_t n, cap;
    bool oom;
} names;

static bool is_ident_start(char c) { return isalpha((unsigned char)c) || c == '_'; }
static bool is_ident(const token *t) { return t->len && is_ident_start(t->s[0]); }
static bool tok_is(const token *t, const char *s)
{
    return t->len == strlen(s) && memcmp(t->s, s, t->len) == 0;
}

/* True when only blanks stand between the start of s's line and s. */
static bool at_line_start(const char *text, const char *s)
{
    while (s > text && (s[-1] == ' ' || s[-1] == '\t'))
        s--;
    return s == text || s[-1] == '\n';
}

/* The next token at or after *p in `text`, or false at the end. */
static bool next_token(const char *text, const char **p, token *t)
{
    const char *s = *p;
    for (;;) {
        while (*s && isspace((unsigned char)*s))
            s++;
        if (s[0] == '/' && s[1] == '*') {
            const char *end = strstr(s + 2, "*/");
            s = end ? end + 2 : s + strlen(s);
        } else if (s[0] == '/' && s[1] == '/') {
            s += strcspn(s, "\n");
        } else if (s[0] == '#' && at_line_start(text, s)) {
            /* A preprocessor line, with its backslash continuations. */
            while (*s && !(s[0] == '\n' && s[-1] != '\\'))
                s++;
        } else if (s[0] == '"' || s[0] == '\'') {
            char q = *s++;
            while (*s && *s != q)
                s += (s[0] == '\\' && s[1]) ? 2 : 1;
            if (*s)
                s++;
        } else {
            break;
        }
    }
    if (!*s) {
        *p = s;
        return false;
    }
    t->s = s;
    if (is_ident_start(*s)) {
        while (isalnum((unsigned char)*s) || *s == '_')
            s++;
    } else {
        s++;
    }
    t->len = (size_t)(s - t->s);
    *p = s;
    return true;
}

static void add_name(names *out, const token *t)
{
    if (out->oom)
        return;
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 8;
        char **v = realloc(out->v, cap * sizeof *v);
        if (!v) {
            out->oom = true;
            return;
        }
        out->v = v;
        out->cap = cap;
    }
    char *s = malloc(t->len + 1);
    if (!s) {
        out->oom = true;
        return;
    }
    memcpy(s, t->s, t->len);
    s[t->len] = '\0';
    out->v[out->n++] = s;
}

/* The name one declarator declares: "run_all(size_t n, ...)" -> run_all,
 * "(*handler)(int)" -> handler, "table[4]" -> table. */
static const token *declarator_name(const token *t, size_t n)
{
    const token *last = NULL;
    for (size_t i = 0; i < n; i++) {
        if (tok_is(&t[i], "(")) {
            if (i + 1 < n && tok_is(&t[i + 1], "*")) { /* a pointer to function */
                for (size_t j = i + 1; j < n && !tok_is(&t[j], ")"); j++)
                    if (is_ident(&t[j]) && !tok_is(&t[j], "const"))
                        return &t[j];
                return NULL;
            }
            return last;
        }
        if (tok_is(&t[i], "[") || tok_is(&t[i], "="))
            return last;
        if (is_ident(&t[i]))
            last = &t[i];
    }
    return last;
}

/* One file-scope statement, braces excluded; splits it into declarators. */
static void declaration(const token *t, size_t n, bool had_braces, names *out)
{
    if (n == 0 || had_braces || tok_is(&t[0], "typedef"))
        return;
    for (size_t i = 0; i < n; i++)
        if (tok_is(&t[i], "static") || tok_is(&t[i], "inline"))
            return;
    /* "struct x;" or "enum y;" alone declare no object. */
    if (n == 2 && (tok_is(&t[0], "struct") || tok_is(&t[0], "union") || tok_is(&t[0], "enum")))
        return;
    size_t start = 0;
    int paren = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && tok_is(&t[i], "("))
            paren++;
        else if (i < n && tok_is(&t[i], ")"))
            paren--;
        if (i == n || (paren == 0 && tok_is(&t[i], ","))) {
            const token *name = declarator_name(t + start, i - start);
            if (name)
                add_name(out, name);
            start = i + 1;
        }
    }
}

int header_api(const char *text, char ***names_out, size_t *n_out)
{
    names out = { 0 };
    size_t cap = 64, n = 0;
    token *stmt = malloc(cap * sizeof *stmt);
    if (!stmt)
        return -1;
    int depth = 0;
    bool had_braces = false, fn_body = false;
    const char *p = text;
    token t;
    while (next_token(text, &p, &t)) {
        if (tok_is(&t, "__attribute__") || tok_is(&t, "__attribute")) {
            /* Skip the attribute's parenthesised group. */
            int par = 0;
            while (next_token(text, &p, &t)) {
                par += tok_is(&t, "(") - tok_is(&t, ")");
                if (par == 0)
                    break;
            }
            continue;
        }
        if (tok_is(&t, "{")) {
            if (depth++ == 0) {
                had_braces = true;
                for (size_t i = 0; i < n; i++)
                    fn_body |= tok_is(&stmt[i], ")"); /* "int f(void) {": a definition */
            }
            continue;
        }
        if (tok_is(&t, "}")) {
            if (depth > 0 && --depth == 0 && fn_body) {
                n = 0; /* a function definition ends at its brace, without a ';' */
                had_braces = fn_body = false;
            }
            continue;
        }
        if (depth > 0)
            continue;
        if (tok_is(&t, ";")) {
            declaration(stmt, n, had_braces, &out);
            n = 0;
            had_braces = fn_body = false;
            continue;
        }
        if (n == cap) {
            token *bigger = realloc(stmt, 2 * cap * sizeof *stmt);
            if (!bigger) {
                out.oom = true;
                break;
            }
            stmt = bigger;
            cap *= 2;
        }
        stmt[n++] = t;
    }
    free(stmt);
    if (out.oom) {
        header_api_free(out.v, out.n);
        return -1;
    }
    *names_out = out.v;
    *n_out = out.n;
    return 0;
}

void header_api_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}
