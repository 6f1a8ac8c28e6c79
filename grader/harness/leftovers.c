/* leftovers.c - what the student's code left open, in words, with the lines
 * that made it: the descriptors still open (intercept_io.c's book) and the
 * children never reaped (intercept_proc.c's), for the judge's
 * harness_fds_left and harness_children_left.
 *
 * Subject side. Each site is written "@HEX", an offset into the test
 * binary that the grader turns into file:line when the text ends up in a
 * failure message (runtest.c), as it does for the engine's records.
 */
#include "leftovers.h"
#include "remote.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_LISTED 256 /* descriptors or children looked at, at most */
#define MAX_NUMBERS 8  /* numbers listed in a group before "..." */
#define MAX_NAMED 6   /* groups named before "and N more" */

typedef struct out_text {
    char *buf;
    size_t cap, len;
} out_text;

static void put(out_text *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out_text *o, const char *fmt, ...)
{
    if (o->len + 1 >= o->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n < o->cap - o->len ? (size_t)n : o->cap - o->len - 1;
}

/* A return address as the grader's "@HEX" (the call instruction's offset). */
static void put_site(out_text *o, uintptr_t site, uintptr_t exe_base)
{
    if (site > exe_base)
        put(o, "@%lx", (unsigned long)(site - 1 - exe_base));
    else
        put(o, "an unknown line");
}

size_t leftovers_fds(uint64_t since, uintptr_t exe_base, char *buf, size_t cap)
{
    remote_fd_where w[MAX_LISTED];
    size_t total = remote_io_open_where(since, w, MAX_LISTED);
    size_t n = total < MAX_LISTED ? total : MAX_LISTED;
    out_text o = { buf, cap, 0 };
    if (cap)
        buf[0] = '\0';
    bool done[MAX_LISTED] = { false };
    size_t groups = 0;
    for (size_t i = 0; i < n; i++) {
        if (done[i])
            continue;
        if (groups++ == MAX_NAMED) {
            put(&o, "; and more");
            break;
        }
        /* Every descriptor from the same call at the same line, together. */
        size_t same = 0;
        for (size_t j = i; j < n; j++)
            same += !done[j] && w[j].site == w[i].site && w[j].call == w[i].call;
        put(&o, "%s%s() at ", groups > 1 ? "; " : "", w[i].call ? w[i].call : "open");
        put_site(&o, w[i].site, exe_base);
        put(&o, " (%zu descriptor%s: ", same, same > 1 ? "s" : "");
        for (size_t j = i, k = 0; j < n; j++) {
            if (done[j] || w[j].site != w[i].site || w[j].call != w[i].call)
                continue;
            if (k < MAX_NUMBERS)
                put(&o, "%s%d", k ? ", " : "", w[j].fd);
            else if (k == MAX_NUMBERS)
                put(&o, "...");
            k++;
            done[j] = true;
        }
        put(&o, ")");
    }
    return total;
}

size_t leftovers_children(uintptr_t exe_base, char *buf, size_t cap)
{
    remote_child_where w[MAX_LISTED];
    size_t total = remote_children_where(w, MAX_LISTED);
    size_t n = total < MAX_LISTED ? total : MAX_LISTED;
    out_text o = { buf, cap, 0 };
    if (cap)
        buf[0] = '\0';
    bool done[MAX_LISTED] = { false };
    size_t groups = 0, counted = 0;
    for (size_t i = 0; i < n; i++) {
        if (done[i] || w[i].state == '?')
            continue; /* '?': reaped behind the book's back, or not ours any more */
        if (groups++ == MAX_NAMED) {
            put(&o, "; and more");
            break;
        }
        /* Every child from the same line in the same state, together. */
        bool zombie = w[i].state == 'Z';
        size_t same = 0;
        for (size_t j = i; j < n; j++)
            same += !done[j] && w[j].site == w[i].site && (w[j].state == 'Z') == zombie &&
                    w[j].state != '?';
        put(&o, "%s%zu process%s forked at ", groups > 1 ? "; " : "", same, same > 1 ? "es" : "");
        put_site(&o, w[i].site, exe_base);
        put(&o, " (pid%s ", same > 1 ? "s" : "");
        size_t k = 0;
        for (size_t j = i; j < n; j++) {
            if (done[j] || w[j].site != w[i].site || (w[j].state == 'Z') != zombie ||
                w[j].state == '?')
                continue;
            if (k < MAX_NUMBERS)
                put(&o, "%s%d", k ? ", " : "", (int)w[j].pid);
            else if (k == MAX_NUMBERS)
                put(&o, "...");
            k++;
            done[j] = true;
        }
        counted += same;
        if (zombie)
            put(&o, ") exited and %s never reaped (%s)", same > 1 ? "were" : "was",
                same > 1 ? "zombies" : "a zombie");
        else
            put(&o, ") still running");
    }
    return counted;
}
