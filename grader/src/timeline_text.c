/* timeline_text.c - see timeline_text.h. */
#include "timeline_text.h"
#include "sites.h"
#include "textbuf.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A decimal number of at most 10 digits and at most `max`, then `end`. */
static bool number(const char **p, char end, uint64_t max, uint64_t *v)
{
    const char *s = *p;
    uint64_t n = 0;
    size_t digits = 0;
    while (*s >= '0' && *s <= '9' && digits < 11) {
        n = n * 10 + (uint64_t)(*s - '0');
        s++;
        digits++;
    }
    if (digits == 0 || digits > 10 || n > max || *s != end)
        return false;
    *v = n;
    *p = s + 1;
    return true;
}

static bool known_kind(char k) { return k && strchr("LUBWwKSACTJPMRVvO", k) != NULL; }

/* One word: SEQ,TID,KIND,A,B,FLAGS,(@HEX|?), ending at a space or the end. */
static bool parse_word(const char *w, size_t len, tl_item *it)
{
    char word[96];
    if (len >= sizeof word)
        return false;
    memcpy(word, w, len);
    word[len] = '\0';
    const char *p = word;
    uint64_t seq, tid, a, b, flags;
    if (!number(&p, ',', UINT32_MAX, &seq) || seq == 0 || !number(&p, ',', 0xffff, &tid))
        return false;
    char kind = *p;
    if (!known_kind(kind) || p[1] != ',')
        return false;
    p += 2;
    if (!number(&p, ',', 0xffff, &a) || !number(&p, ',', 0xffff, &b) ||
        !number(&p, ',', 3, &flags))
        return false;
    *it = (tl_item){ .seq = (uint32_t)seq, .tid = (unsigned)tid, .kind = kind,
                     .a = (unsigned)a, .b = (unsigned)b, .flags = (unsigned)flags };
    if (strcmp(p, "?") == 0)
        return true;
    if (*p != '@')
        return false;
    size_t hex = strspn(p + 1, "0123456789abcdef");
    if (hex == 0 || hex > 16 || p[1 + hex] != '\0')
        return false;
    it->has_site = true;
    it->site = strtoull(p + 1, NULL, 16);
    return true;
}

size_t timeline_parse(const char *text, tl_item *out, size_t max)
{
    size_t n = 0;
    for (const char *p = text; p && *p && *p != '\n' && n < max;) {
        size_t len = strcspn(p, " \n");
        tl_item it;
        if (len && parse_word(p, len, &it) && (n == 0 || it.seq > out[n - 1].seq))
            out[n++] = it;
        p += len;
        if (*p == ' ')
            p++;
    }
    return n;
}

char *timeline_line(const tl_item *it, const char *where)
{
    char what[96];
    switch (it->kind) {
    case 'L': snprintf(what, sizeof what, "lock(m%u)", it->a); break;
    case 'U': snprintf(what, sizeof what, "unlock(m%u)", it->a); break;
    case 'B': snprintf(what, sizeof what, "trylock: busy"); break;
    case 'W': snprintf(what, sizeof what, "wait(c%u, m%u)", it->a, it->b); break;
    case 'w': snprintf(what, sizeof what, "timedwait(c%u, m%u)", it->a, it->b); break;
    case 'K':
        snprintf(what, sizeof what, "%s(c%u)%s", it->flags & 1 ? "timed out" : "woke", it->a,
                 it->flags & 2 ? " with no signal" : "");
        break;
    case 'S': snprintf(what, sizeof what, "signal(c%u)", it->a); break;
    case 'A': snprintf(what, sizeof what, "broadcast(c%u)", it->a); break;
    case 'C': snprintf(what, sizeof what, "create a thread"); break;
    case 'T': snprintf(what, sizeof what, "thread starts"); break;
    case 'J':
        if (it->a)
            snprintf(what, sizeof what, "join(T%u)", it->a);
        else
            snprintf(what, sizeof what, "join");
        break;
    case 'P': snprintf(what, sizeof what, "sleep"); break;
    case 'M':
        snprintf(what, sizeof what, "missed a wake-up: c%u signalled while it held m%u, "
                 "before it waited", it->a, it->b);
        break;
    case 'R': snprintf(what, sizeof what, "rdlock(m%u)", it->a); break;
    case 'V': snprintf(what, sizeof what, "sem_wait(s%u)", it->a); break;
    case 'v': snprintf(what, sizeof what, "sem_timedwait(s%u)", it->a); break;
    case 'O': snprintf(what, sizeof what, "sem_post(s%u)", it->a); break;
    default: snprintf(what, sizeof what, "?"); break;
    }
    return where ? xasprintf("T%u %s %s", it->tid, where, what)
                 : xasprintf("T%u %s", it->tid, what);
}

char *timeline_symbolized(const char *text, const char *bin, const char *workdir,
                          const char *student_file, const code_range *student)
{
    tl_item items[TIMELINE_MAX_EVENTS];
    size_t n = timeline_parse(text, items, TIMELINE_MAX_EVENTS);
    if (n == 0)
        return NULL;
    bool by_range = student && student->lo < student->hi;
    /* One addr2line run for the sites that may be named, in order. */
    textbuf q = { 0 };
    tb_put(&q, "%s", "");
    bool asked[TIMELINE_MAX_EVENTS] = { false };
    for (size_t i = 0; i < n; i++) {
        asked[i] = items[i].has_site && (!by_range || in_student_range(student, items[i].site));
        if (asked[i])
            tb_put(&q, "@%llx ", (unsigned long long)items[i].site);
    }
    char *names = q.len ? sites_symbolize(q.s, bin, workdir) : NULL;
    char *prefix = xasprintf("%s:", student_file);
    textbuf out = { 0 };
    tb_put(&out, "%s", "");
    char *save = NULL;
    char *name = names ? strtok_r(names, " ", &save) : NULL;
    for (size_t i = 0; i < n; i++) {
        const char *where = NULL;
        if (asked[i]) {
            /* A location has no space (sites.c cuts it at one). */
            if (name && strcmp(name, "?") != 0 &&
                (by_range || strncmp(name, prefix, strlen(prefix)) == 0))
                where = name;
            name = name ? strtok_r(NULL, " ", &save) : NULL;
        }
        char *line = timeline_line(&items[i], where);
        tb_put(&out, "%s%s", i ? "\n" : "", line);
        free(line);
    }
    free(prefix);
    free(names);
    free(q.s);
    return out.s;
}
