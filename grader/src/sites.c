/* sites.c - see sites.h. */
#include "sites.h"
#include "safetext.h"
#include "textbuf.h"
#include "util.h"
#include "../../sandbox/sandbox.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_SITES 64
/* A location's longest text: a `#line` in the student's file chooses the
 * file name addr2line prints, any length and any bytes. */
#define MAX_LOCATION 160

/* Runs argv directly (a trusted program) and returns its stdout, or NULL. */
static char *run_direct(const char *const *argv)
{
    int p[2];
    if (pipe(p) != 0)
        return NULL;
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return NULL;
    }
    if (pid == 0) {
        dup2(p[1], 1);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 2);
        close(p[0]);
        close(p[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(p[1]);
    size_t cap = 4096, len = 0;
    char *out = xmalloc(cap);
    for (;;) {
        if (len + 1024 > cap)
            out = realloc(out, cap *= 2);
        if (!out)
            break;
        ssize_t n = read(p[0], out + len, cap - len - 1);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(p[0]);
    int st;
    waitpid(pid, &st, 0);
    if (out)
        out[len] = '\0';
    return out;
}

/* The one addr2line runner: `functions` adds -f (a function line before
 * each file:line line). Returns its output, or NULL. */
static char *addr2line(const char *bin, char *const *addrs, size_t n, const char *workdir,
                       bool functions)
{
    char *a2l = find_in_path("addr2line");
    if (!a2l)
        return NULL;
    const char *argv[MAX_SITES + 8];
    size_t k = 0;
    argv[k++] = a2l;
    if (functions)
        argv[k++] = "-f";
    argv[k++] = "-e";
    argv[k++] = bin;
    for (size_t i = 0; i < n; i++)
        argv[k++] = addrs[i];
    argv[k] = NULL;
    char *out = NULL;
    if (workdir) {
        sbx_spec spec = { .argv = argv, .workdir = workdir, .wall_ms = 10000,
                          .output_cap = 64u << 10, .pass_fd = -1, .compiler = true };
        sbx_result res;
        if (sbx_run(&spec, &res) == 0) {
            if (WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0)
                out = xstrdup(res.output);
            sbx_result_free(&res);
        }
    } else {
        out = run_direct(argv);
    }
    free(a2l);
    return out;
}

/* "/tmp/x/transfer.c:31 (discriminator 2)" -> "transfer.c:31"; "??:0" -> "?".
 * At most MAX_LOCATION bytes of valid UTF-8: a longer name keeps its end
 * (the ":LINE" part) after "...". */
static char *short_location(const char *line)
{
    size_t n = strcspn(line, " \n");
    char *loc = xmalloc(n + 1);
    memcpy(loc, line, n);
    loc[n] = '\0';
    if (strncmp(loc, "??", 2) == 0) {
        free(loc);
        return xstrdup("?");
    }
    char *base = strrchr(loc, '/');
    base = base ? base + 1 : loc;
    size_t blen = strlen(base);
    if (blen > MAX_LOCATION) {
        /* "aaaa...aaaa:31" -> "aaaa[...]aaaa:31", both ends cut on characters. */
        const char *tail = base + blen - MAX_LOCATION / 2;
        while (((unsigned char)*tail & 0xC0) == 0x80)
            tail++;
        char *joined = xasprintf("%.*s[...]%s", (int)utf8_cut(base, MAX_LOCATION / 2 - 8), base,
                                 tail);
        char *out = text_json_safe(joined, MAX_LOCATION + 16);
        free(joined);
        free(loc);
        return out;
    }
    char *out = text_json_safe(base, MAX_LOCATION + 16);
    free(loc);
    return out;
}

char *sites_symbolize(const char *text, const char *bin, const char *workdir)
{
    char *addrs[MAX_SITES];
    size_t n = 0;
    for (const char *p = strchr(text, '@'); p && n < MAX_SITES; p = strchr(p + 1, '@')) {
        size_t len = 0;
        while (isxdigit((unsigned char)p[1 + len]))
            len++;
        if (!len)
            continue;
        addrs[n] = xasprintf("0x%.*s", (int)len, p + 1);
        n++;
    }
    char *locs[MAX_SITES] = { 0 };
    char *out = n ? addr2line(bin, addrs, n, workdir, false) : NULL;
    if (out) {
        char *save = NULL;
        size_t i = 0;
        for (char *line = strtok_r(out, "\n", &save); line && i < n;
             line = strtok_r(NULL, "\n", &save))
            locs[i++] = short_location(line);
    }
    /* Rebuild the text with each site replaced, in order (a growing buffer:
     * no location's length is trusted). */
    textbuf b = { 0 };
    tb_put(&b, "%s", "");
    size_t i = 0;
    for (const char *p = text; *p;) {
        size_t hex = 0;
        if (*p == '@')
            while (isxdigit((unsigned char)p[1 + hex]))
                hex++;
        if (*p == '@' && hex && i < n) {
            tb_put(&b, "%s", locs[i] ? locs[i] : "?");
            p += 1 + hex;
            i++;
        } else {
            size_t plain = 1 + strcspn(p + 1, "@");
            tb_put(&b, "%.*s", (int)plain, p);
            p += plain;
        }
    }
    char *res = b.s;
    for (size_t j = 0; j < n; j++) {
        free(addrs[j]);
        free(locs[j]);
    }
    free(out);
    return res;
}

char *sites_crash_location(const char *record, const char *bin, const char *workdir,
                           const char *student_file, const code_range *student)
{
    bool by_range = student && student->lo < student->hi;
    /* "SIG OFF1 OFF2 ...": the signal, then return addresses. */
    char *copy = xstrdup(record);
    copy[strcspn(copy, "\n")] = '\0';
    char *addrs[MAX_SITES], *save = NULL;
    size_t n = 0;
    strtok_r(copy, " ", &save);
    for (char *w = strtok_r(NULL, " ", &save); w && n < MAX_SITES; w = strtok_r(NULL, " ", &save))
        addrs[n++] = w;
    char *out = n ? addr2line(bin, addrs, n, workdir, true) : NULL;
    char *found = NULL;
    if (out) {
        /* Pairs of lines: function, file:line. The first in the student's file wins. */
        char *prefix = xasprintf("%s:", student_file);
        char *save2 = NULL, *func = NULL;
        size_t frame = 0;
        for (char *line = strtok_r(out, "\n", &save2); line; line = strtok_r(NULL, "\n", &save2)) {
            if (!func) {
                func = line;
                continue;
            }
            char *loc = short_location(line);
            bool named_so = strncmp(loc, prefix, strlen(prefix)) == 0;
            bool students = by_range ? frame < n && in_student_range(student, strtoull(addrs[frame],
                                                                                  NULL, 16))
                                     : named_so;
            if (students) {
                char *fn = text_json_safe(func, 80);
                if (named_so || !by_range)
                    found = xasprintf("in %s (%s)", fn, loc);
                else /* the student's code under a name its #line chose */
                    found = xasprintf("in %s (%s, which a #line calls \"%s\")", fn, student_file,
                                      loc);
                free(fn);
            }
            free(loc);
            if (found)
                break;
            func = NULL;
            frame++;
        }
        free(prefix);
        free(out);
    }
    free(copy);
    return found;
}

char *record_text(const char *records, const char *kind, bool last)
{
    size_t k = strlen(kind);
    const char *found = NULL;
    for (const char *line = records; line && *line;) {
        if (strncmp(line, kind, k) == 0 && line[k] == ' ') {
            found = line + k + 1;
            if (!last)
                break;
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    if (!found)
        return NULL;
    size_t n = strcspn(found, "\n");
    char *out = xmalloc(n + 1);
    memcpy(out, found, n);
    out[n] = '\0';
    return out;
}
