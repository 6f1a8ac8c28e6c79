/* tsan_report.c - see tsan_report.h.
 *
 * A report looks like:
 *   WARNING: ThreadSanitizer: data race (pid=12)
 *     Write of size 8 at 0x7b04 by thread T2 (mutexes: write M0):
 *       #0 account_deposit /tmp/w/bank.c:33 (tests+0x12)
 *       #1 worker /src/test_public.c:50 (tests+0x40)
 *     Previous read of size 8 at 0x7b04 by thread T1:
 *       #0 account_balance /tmp/w/bank.c:40 (tests+0x22)
 * Each indented heading is an access or a lock event; its frames are a stack.
 * We keep the first frame of each stack that lies in the student's file.
 * A deadly signal has no heading, and notes before its one stack:
 *   ==12==ERROR: ThreadSanitizer: SEGV on unknown address 0x0 (pc 0x55 ... T13)
 *   ==12==The signal is caused by a READ memory access.
 *       #0 worker /tmp/w/bank.c:22 (tests+0x12)
 */
#include "tsan_report.h"
#include "safetext.h"
#include "util.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void tsan_clear(const char *workdir)
{
    DIR *d = opendir(workdir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, "tsan.", 5) == 0)
            unlinkat(dirfd(d), e->d_name, 0);
    closedir(d);
}

typedef struct place {
    char what[96];  /* "write by thread T2", "mutex M1 locked while holding M0 in thread T1" */
    char where[160]; /* "account_deposit (bank.c:33)" */
} place;

/* "Previous read of size 8 at 0x.. by thread T1 (mutexes: ...):" -> "read by thread T1" */
static void describe_heading(const char *h, char *out, size_t cap)
{
    char access[32] = "", thread[32] = "";
    const char *p = h;
    if (strncmp(p, "Previous ", 9) == 0)
        p += 9;
    if (strncmp(p, "Atomic ", 7) == 0 || strncmp(p, "atomic ", 7) == 0) {
        snprintf(access, sizeof access, "atomic ");
        p += 7;
    }
    if (strncmp(p, "Read", 4) == 0 || strncmp(p, "read", 4) == 0)
        strncat(access, "read", sizeof access - strlen(access) - 1);
    else if (strncmp(p, "Write", 5) == 0 || strncmp(p, "write", 5) == 0)
        strncat(access, "write", sizeof access - strlen(access) - 1);
    const char *by = strstr(h, " by ");
    if (by) {
        by += 4;
        size_t n = strcspn(by, " :(");
        if (strncmp(by, "main thread", 11) == 0)
            n = 11;
        else if (strncmp(by, "thread ", 7) == 0)
            n = 7 + strcspn(by + 7, " :(");
        snprintf(thread, sizeof thread, "%.*s", (int)n, by);
    }
    if (access[0]) {
        snprintf(out, cap, "%s by %s", access, thread[0] ? thread : "a thread");
        return;
    }
    /* Not an access: a lock event or a thread creation; keep its words. */
    size_t n = strcspn(h, ":");
    if (n > cap - 1)
        n = cap - 1;
    snprintf(out, cap, "%.*s", (int)n, h);
    for (char *q = out; *q; q++)
        if (q == out && *q >= 'A' && *q <= 'Z')
            *q = (char)(*q - 'A' + 'a');
    /* Drop hex addresses such as "(0x7b0c0000)". */
    char *paren;
    while ((paren = strstr(out, " (0x")) != NULL) {
        char *close = strchr(paren, ')');
        if (!close)
            break;
        memmove(paren, close + 1, strlen(close + 1) + 1);
    }
}

/* True when the frame line's "(MODULE+0xOFF)" lies in the student's code. */
static bool frame_in_student_code(const char *line, const student_code *code)
{
    char *pat = xasprintf("(%s+0x", code->module);
    const char *m = strstr(line, pat);
    size_t plen = strlen(pat);
    free(pat);
    if (!m)
        return false;
    char *end = NULL;
    uint64_t off = strtoull(m + plen, &end, 16);
    return end != m + plen && *end == ')' && in_student_range(&code->range, off);
}

/* From a frame line "#1 transfer /tmp/w/transfer.c:31:5 (tests+0x..)" (cut
 * to a buffer's size; `whole` is all of it) makes
 * "transfer (transfer.c:31)" if the frame is in the student's code: by
 * address when `code` is known, else by file name. A file name that is not
 * the student's file came from a `#line` in it: shown escaped, as such. */
static bool student_frame(const char *line, const char *whole, const char *file,
                          const student_code *code, char *out, size_t cap)
{
    /* The module and offset end the line: look in the whole line, which a
     * long file name may have pushed beyond the cut `line`. */
    if (code && !frame_in_student_code(whole, code))
        return false;
    const char *p = strchr(line, '#');
    if (!p)
        return false;
    p = strchr(p, ' ');
    if (!p)
        return false;
    p++;
    size_t flen = strcspn(p, " ");
    const char *loc = p + flen;
    while (*loc == ' ')
        loc++;
    size_t llen = strcspn(loc, " ");
    char path[512];
    snprintf(path, sizeof path, "%.*s", (int)llen, loc);
    char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t n = strlen(file);
    bool named_so = strncmp(base, file, n) == 0 && base[n] == ':';
    if (!code && !named_so)
        return false;
    /* "FILE:LINE:COLUMN" -> "FILE:LINE" */
    char *line_no = named_so ? base + n : strchr(base, ':');
    char *col = line_no ? strchr(line_no + 1, ':') : NULL;
    if (col)
        *col = '\0';
    char *raw = xasprintf("%.*s", (int)(flen < 80 ? flen : 80), p);
    char *func = text_json_safe(raw, 80);
    free(raw);
    int n2;
    if (named_so) {
        n2 = snprintf(out, cap, "%s (%s)", func, base);
    } else {
        /* The student's code under another name: say whose it is. */
        char *shown = text_json_safe(base, 48);
        n2 = snprintf(out, cap, "%s (%s, which a #line calls \"%s\")", func, file, shown);
        free(shown);
    }
    free(func);
    /* A cut text is still useful feedback: ignore truncation (the JSON
     * makes any cut character valid again). */
    return n2 > 0;
}

static const char *advice(const char *kind)
{
    if (strncmp(kind, "data race", 9) == 0)
        return "every access to shared data must hold the same mutex (or be atomic)";
    if (strncmp(kind, "lock-order-inversion", 20) == 0)
        return "two threads take the same mutexes in opposite orders and can deadlock: "
               "always lock them in one global order";
    if (strncmp(kind, "thread leak", 11) == 0)
        return "a thread was started and never joined or detached";
    if (strstr(kind, "unlock of an unlocked mutex"))
        return "a thread unlocked a mutex it does not hold";
    if (strstr(kind, "double lock"))
        return "a thread locked a mutex it already holds";
    if (strstr(kind, "destroy of a locked mutex"))
        return "a mutex was destroyed while still locked";
    if (strstr(kind, "use-after-free"))
        return "memory was used after it was freed";
    if (strstr(kind, "on unknown address 0x000000000000"))
        return "a NULL pointer was followed: check which thread may clear or free it first";
    if (strstr(kind, "on unknown address"))
        return "a pointer to memory that is not there was followed";
    return "";
}

static bool ignored(const char *kind, char *const *ignore, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strncmp(kind, ignore[i], strlen(ignore[i])) == 0)
            return true;
    return false;
}

char *tsan_summarize_text(const char *log, const char *student_file,
                          char *const *ignore, size_t nignore)
{
    return tsan_summarize_text_in(log, student_file, NULL, ignore, nignore);
}

char *tsan_summarize_text_in(const char *log, const char *student_file, const student_code *code,
                             char *const *ignore, size_t nignore)
{
    const char *marker = "ThreadSanitizer: ";
    const char *p = log;
    while ((p = strstr(p, marker)) != NULL) {
        /* Only "WARNING: ThreadSanitizer: kind" and "ERROR: ThreadSanitizer: kind" start reports. */
        const char *ls = p;
        while (ls > log && ls[-1] != '\n')
            ls--;
        bool start = strncmp(ls, "WARNING: ", 9) == 0 || strstr(ls, "ERROR: ") == ls ||
                     strncmp(ls, "==", 2) == 0;
        p += strlen(marker);
        if (!start || strncmp(ls, "SUMMARY", 7) == 0)
            continue;
        char kind[128];
        size_t klen = strcspn(p, "\n");
        const char *pid = strstr(p, " (pid=");
        if (pid && (size_t)(pid - p) < klen)
            klen = (size_t)(pid - p);
        /* A deadly signal: "SEGV on unknown address 0x0 (pc 0x.. bp .. T12)";
         * its registers mean nothing to a student. */
        const char *pc = strstr(p, " (pc 0x");
        bool deadly = pc && (size_t)(pc - p) < klen;
        if (deadly)
            klen = (size_t)(pc - p);
        snprintf(kind, sizeof kind, "%.*s", (int)(klen < sizeof kind ? klen : sizeof kind - 1), p);
        if (ignored(kind, ignore, nignore))
            continue;
        /* Walk the report's headings and frames up to the next report or SUMMARY. */
        place places[4];
        int nplaces = 0;
        bool have_frame = true;
        if (deadly) {
            /* No headings: the one stack is where the signal hit. */
            snprintf(places[0].what, sizeof places[0].what, "the faulting access");
            places[0].where[0] = '\0';
            nplaces = 1;
            have_frame = false;
        }
        const char *line = strchr(p, '\n');
        while (line && *++line) {
            if (strncmp(line, "SUMMARY:", 8) == 0 || strncmp(line, "WARNING:", 8) == 0)
                break;
            /* "==PID==" lines: a deadly signal's own notes come before its
             * stack ("==12==The signal is caused by a READ memory access."),
             * else one starts the next report. */
            if (strncmp(line, "==", 2) == 0) {
                size_t n = strcspn(line, "\n");
                const char *err = strstr(line, "ERROR: ");
                if (!deadly || (err && (size_t)(err - line) < n))
                    break;
                line = strchr(line, '\n');
                if (!line)
                    break;
                continue;
            }
            size_t len = strcspn(line, "\n");
            char buf[640];
            snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf ? len : sizeof buf - 1), line);
            const char *t = buf;
            while (*t == ' ')
                t++;
            if (*t == '#') {
                if (!have_frame && nplaces > 0) {
                    char *whole = xasprintf("%.*s", (int)len, line);
                    if (student_frame(t, whole, student_file, code, places[nplaces - 1].where,
                                      sizeof places[nplaces - 1].where))
                        have_frame = true;
                    free(whole);
                }
            } else if (*t && t - buf == 2 && nplaces < 4 && strncmp(t, "Location", 8) != 0 &&
                       strncmp(t, "Thread T", 8) != 0 && strncmp(t, "Cycle", 5) != 0 &&
                       !strstr(t, " created at:") && !strstr(t, "previously acquired")) {
                if (!have_frame)
                    nplaces--; /* the last heading had no frame of the student's: drop it */
                describe_heading(t, places[nplaces].what, sizeof places[nplaces].what);
                places[nplaces].where[0] = '\0';
                nplaces++;
                have_frame = false;
            } else if (strncmp(t, "Thread T", 8) == 0 && strstr(t, "created") && nplaces == 0) {
                /* thread leak: the creation stack is the place to show */
                snprintf(places[0].what, sizeof places[0].what, "thread created");
                places[0].where[0] = '\0';
                nplaces = 1;
                have_frame = false;
            }
            line = strchr(line, '\n');
            if (!line)
                break;
        }
        if (!have_frame && nplaces > 0)
            nplaces--;
        char *msg = xasprintf("ThreadSanitizer: %s", kind);
        for (int i = 0; i < nplaces && i < 2; i++) {
            char *next = xasprintf("%s%s %s in %s", msg, i == 0 ? ":" : "; and", places[i].what,
                                   places[i].where);
            free(msg);
            msg = next;
        }
        if (nplaces == 0) {
            char *next = xasprintf("%s (not in %s: in the tests' or the library's code)", msg,
                                   student_file);
            free(msg);
            msg = next;
        }
        const char *a = advice(kind);
        if (*a) {
            char *next = xasprintf("%s. Hint: %s", msg, a);
            free(msg);
            msg = next;
        }
        return msg;
    }
    return NULL;
}

char *tsan_summarize(const char *logdir, const lesson *l, const char *workdir, const char *bin)
{
    DIR *d = opendir(logdir);
    if (!d)
        return NULL;
    student_code code = { strrchr(bin, '/') ? strrchr(bin, '/') + 1 : bin, { 0, 0 } };
    bool have_range = student_range_of_build(workdir, true, bin, &code.range) == 0;
    char *file = xasprintf("%s.c", l->slug);
    char *msg = NULL;
    struct dirent *e;
    while (!msg && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "tsan.", 5) != 0)
            continue;
        char *path = xasprintf("%s/%s", logdir, e->d_name);
        char *log = read_file(path, 8u << 20, NULL);
        if (log)
            msg = tsan_summarize_text_in(log, file, have_range ? &code : NULL, l->tsan_ignore,
                                         l->ntsan_ignore);
        free(log);
        free(path);
    }
    closedir(d);
    free(file);
    return msg;
}
