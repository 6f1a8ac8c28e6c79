/* table.c - see table.h. Plain text, 80 columns where it can, no colours.
 * Every string from the JSON is the student's code's to choose (messages,
 * test names): it reaches the terminal only through text_terminal_safe, so
 * it cannot clear the screen, move the cursor or forge a line. */
#include "table.h"
#include "safetext.h"
#include "util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static double num(json_t *o, const char *key) { return json_number_value(json_object_get(o, key)); }

/* `s` escaped for the terminal; `one_line` escapes \n and \t too. */
static void print_safe(FILE *f, const char *s, bool one_line)
{
    char *safe = text_terminal_safe(s, 16000, one_line);
    fputs(safe, f);
    free(safe);
}

/* The first line of a message, escaped, cut to `width` bytes (on a
 * character boundary). */
static void print_cut(FILE *f, const char *msg, int width)
{
    if (width < 4)
        width = 4;
    char *first = xasprintf("%.*s", (int)strcspn(msg, "\n"), msg);
    char *safe = text_terminal_safe(first, 4000, true);
    size_t n = strlen(safe);
    if (n > (size_t)width)
        fprintf(f, "%.*s...", (int)utf8_cut(safe, (size_t)width - 3), safe);
    else
        fputs(safe, f);
    free(safe);
    free(first);
}

/* A failure's timeline, one event a line (each escaped: the line holds a
 * file name the student's #line chose). */
static void print_timeline(FILE *f, json_t *timeline)
{
    if (json_array_size(timeline) == 0)
        return;
    fputs("  what your threads did last (oldest first; m: mutex, c: condition, T: thread):\n", f);
    size_t i;
    json_t *line;
    json_array_foreach(timeline, i, line) {
        fputs("    ", f);
        print_safe(f, json_string_value(line) ? json_string_value(line) : "", true);
        fputc('\n', f);
    }
}

static json_t *first_failure(json_t *lesson)
{
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(lesson, "tests"), i, t)
        if (strcmp(str(t, "status"), "passed") != 0)
            return t;
    return NULL;
}

void print_table(FILE *f, json_t *results, bool details)
{
    fprintf(f, "%-16s %13s  %s\n", "lesson", "score", "first problem");
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(results, "lessons"), i, l) {
        fprintf(f, "%-16s %6.1f/%-6.1f  ", str(l, "id"), num(l, "score"), num(l, "max_score"));
        const char *status = str(l, "status");
        json_t *t = first_failure(l);
        if (strcmp(status, "graded") != 0) {
            /* For compiler output, the first error line says the most. */
            const char *msg = first_error_line(str(l, "message"));
            fprintf(f, "%s: ", strcmp(status, "compile_error") == 0 ? "does not compile" : status);
            print_cut(f, msg, 50);
        } else if (t) {
            print_safe(f, str(t, "name"), true);
            fputs(": ", f);
            print_cut(f, str(t, "message"), 70 - (int)strlen(str(t, "name")));
        } else {
            fputs(json_object_get(results, "categories") ? "all tests run pass" : "all tests pass",
                  f);
        }
        fputc('\n', f);
    }
    fprintf(f, "%-16s %6.1f/%-6.1f\n", "total", num(results, "score"), num(results, "max_score"));
    json_t *cats = json_object_get(results, "categories");
    if (cats) {
        /* --category: say plainly that this is not the whole grade. */
        fputs("only the tests of", f);
        json_t *c;
        json_array_foreach(cats, i, c) fprintf(f, " %s", json_string_value(c));
        fputs(" ran: the others score nothing here\n", f);
    }
    json_array_foreach(json_object_get(results, "lessons"), i, l) {
        const char *status = str(l, "status");
        /* A student cannot fix what they cannot read: always show why a
         * lesson was not graded, whatever the options. */
        if (strcmp(status, "graded") != 0 && strcmp(status, "missing") != 0) {
            fprintf(f, "\n%s: %s\n", str(l, "id"), status);
            print_safe(f, str(l, "message"), false);
            fputc('\n', f);
        }
        if (!details || strcmp(status, "graded") != 0)
            continue;
        size_t k;
        json_t *t;
        json_array_foreach(json_object_get(l, "tests"), k, t) {
            if (strcmp(str(t, "status"), "passed") == 0)
                continue;
            fprintf(f, "\n%s / ", str(l, "id"));
            print_safe(f, str(t, "name"), true);
            fprintf(f, " (%s, %s)\n  ", str(t, "category"), str(t, "status"));
            print_safe(f, str(t, "message"), false);
            fputc('\n', f);
            print_timeline(f, json_object_get(t, "timeline"));
        }
    }
    bool test_failed = false;
    json_array_foreach(json_object_get(results, "lessons"), i, l)
        test_failed |= first_failure(l) != NULL;
    if (test_failed)
        fprintf(f, "\nseed %lld: add SEED=%lld to `make check` to repeat this run's schedule\n",
                (long long)json_integer_value(json_object_get(results, "seed")),
                (long long)json_integer_value(json_object_get(results, "seed")));
}
