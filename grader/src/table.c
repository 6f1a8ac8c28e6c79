/* table.c - see table.h. Plain text, 80 columns where it can, no colours. */
#include "table.h"
#include "util.h"

#include <stdbool.h>
#include <string.h>

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static double num(json_t *o, const char *key) { return json_number_value(json_object_get(o, key)); }

/* The first line of a message, cut to `width` characters. */
static void print_cut(FILE *f, const char *msg, int width)
{
    int n = (int)strcspn(msg, "\n");
    if (n > width)
        fprintf(f, "%.*s...", width - 3, msg);
    else
        fprintf(f, "%.*s", n, msg);
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
            fprintf(f, "%s: ", str(t, "name"));
            print_cut(f, str(t, "message"), 70 - (int)strlen(str(t, "name")));
        } else {
            fputs("all tests pass", f);
        }
        fputc('\n', f);
    }
    fprintf(f, "%-16s %6.1f/%-6.1f\n", "total", num(results, "score"), num(results, "max_score"));
    json_array_foreach(json_object_get(results, "lessons"), i, l) {
        const char *status = str(l, "status");
        /* A student cannot fix what they cannot read: always show why a
         * lesson was not graded, whatever the options. */
        if (strcmp(status, "graded") != 0 && strcmp(status, "missing") != 0)
            fprintf(f, "\n%s: %s\n%s\n", str(l, "id"), status, str(l, "message"));
        if (!details || strcmp(status, "graded") != 0)
            continue;
        size_t k;
        json_t *t;
        json_array_foreach(json_object_get(l, "tests"), k, t) {
            if (strcmp(str(t, "status"), "passed") == 0)
                continue;
            fprintf(f, "\n%s / %s (%s, %s)\n  %s\n", str(l, "id"), str(t, "name"),
                    str(t, "category"), str(t, "status"), str(t, "message"));
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
