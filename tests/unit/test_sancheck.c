/* test_sancheck.c - unit tests of what keeps the student's code from blinding
 * ThreadSanitizer: elfcheck's weak references and uninstrumented functions
 * (on real objects compiled by cc), and prepcheck's scan of preprocessed text. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../grader/src/elfcheck.h"
#include "../../grader/src/prepcheck.h"
#include "../../grader/src/util.h"

/* Compiles code with flags into an object and reads it; returns the temp dir. */
static char *read_snippet(const char *code, const char *flags, elf_symbols *s)
{
    char *dir = make_temp_dir("unit");
    ck_assert_ptr_nonnull(dir);
    char *src = xasprintf("%s/s.c", dir), *obj = xasprintf("%s/s.o", dir);
    FILE *f = fopen(src, "w");
    ck_assert_ptr_nonnull(f);
    fputs(code, f);
    fclose(f);
    char *cmd = xasprintf("cc -std=c17 -O1 -g %s -c %s -o %s", flags, src, obj);
    ck_assert_int_eq(system(cmd), 0);
    char err[128];
    ck_assert_int_eq(elf_read_symbols(obj, s, err, sizeof err), 0);
    free(cmd);
    free(src);
    free(obj);
    return dir;
}

static bool has(char **list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

static const char *blinded =
    "#include <stdlib.h>\n"
    "struct acc { long bal; };\n"
    "extern void AnnotateIgnoreReadsBegin(const char *, int) __attribute__((weak));\n"
    "long plain(struct acc *a) { return a->bal; }\n"
    "void *calls(void) { return malloc(8); }\n"
    "int pure(int x, int y) { return x * y + 1; }\n"
    "__attribute__((no_sanitize_thread)) void *hidden(struct acc *a)\n"
    "{ if (AnnotateIgnoreReadsBegin) AnnotateIgnoreReadsBegin(\"f\", 1);\n"
    "  return a->bal ? malloc(8) : NULL; }\n";

START_TEST(elf_weak_references_are_listed)
{
    elf_symbols s;
    char *dir = read_snippet(blinded, "", &s);
    ck_assert(has(s.weak_refs, s.nweak, "AnnotateIgnoreReadsBegin"));
    ck_assert(has(s.undefined, s.nundefined, "AnnotateIgnoreReadsBegin"));
    ck_assert(!has(s.weak_refs, s.nweak, "malloc"));
    elf_symbols_free(&s);
    remove_tree(dir);
    free(dir);
}
END_TEST

START_TEST(elf_finds_functions_kept_from_tsan)
{
    elf_symbols s;
    char *dir = read_snippet(blinded, "-fsanitize=thread", &s);
    /* Only the function that calls out without __tsan_func_entry: not the
     * instrumented ones, not the one that calls nothing, not GCC's own
     * constructor that calls __tsan_init. */
    ck_assert_msg(s.nuninstrumented == 1 && strcmp(s.calls_uninstrumented[0], "hidden") == 0,
                  "%zu uninstrumented, first %s", s.nuninstrumented,
                  s.nuninstrumented ? s.calls_uninstrumented[0] : "-");
    elf_symbols_free(&s);
    remove_tree(dir);
    free(dir);
    /* The same code without the sanitizer: nothing is instrumented, and the
     * rule is for the TSan object only, so the plain object says nothing of it. */
    dir = read_snippet("#include <stdlib.h>\nvoid *calls(void) { return malloc(8); }\n",
                       "-fsanitize=thread", &s);
    ck_assert_int_eq((int)s.nuninstrumented, 0);
    elf_symbols_free(&s);
    remove_tree(dir);
    free(dir);
}
END_TEST

static bool finds(const char *text, prep_match m, void *ctx, prep_hit *hit)
{
    return prep_find(text, strlen(text), m, ctx, hit);
}

START_TEST(prep_finds_sanitizer_attributes_in_every_spelling)
{
    static const char *const spellings[] = {
        "__attribute__((no_sanitize_thread))", "__attribute__((__no_sanitize_thread__))",
        "__attribute__((no_sanitize(\"thread\")))", "__attribute__((__no_sanitize__(\"t\")))",
        "[[gnu::no_sanitize_thread]]", "__attribute__((disable_sanitizer_instrumentation))",
        "__attribute__((no_sanitize_address))", "__attribute__((no_address_safety_analysis))",
        "#pragma clang attribute push(__attribute__((no_sanitize(\"thread\"))), apply_to = function)",
    };
    for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
        char *text = xasprintf("# 1 \"bank.c\"\nint x;\n\n%s long f(long *p) { return *p; }\n",
                               spellings[i]);
        prep_hit hit;
        ck_assert_msg(finds(text, prep_is_sanitizer_off, NULL, &hit), "missed: %s", spellings[i]);
        ck_assert_str_eq(hit.file, "bank.c");
        ck_assert_int_eq(hit.line, 3);
        free(text);
    }
}
END_TEST

START_TEST(prep_skips_literals_and_follows_markers)
{
    prep_hit hit;
    /* In strings, character constants and as part of longer names: no hit. */
    ck_assert(!finds("# 1 \"bank.c\"\nconst char *s = \"no_sanitize_thread\";\n"
                     "char c = 'n'; int my_no_sanitize = 1; double d = 1e5;\n",
                     prep_is_sanitizer_off, NULL, &hit));
    /* A line marker sets the file and the next line's number. */
    const char *text = "# 1 \"/usr/include/stdio.h\" 1 3\nint printf(const char *, ...);\n"
                       "# 40 \"bank.c\" 2\n\nlong total;\nint AnnotateIgnoreReadsBegin;\n";
    ck_assert(finds(text, prep_is_name, "AnnotateIgnoreReadsBegin", &hit));
    ck_assert_str_eq(hit.file, "bank.c");
    ck_assert_int_eq(hit.line, 42);
    ck_assert(finds(text, prep_is_name, "printf", &hit));
    ck_assert_str_eq(hit.file, "/usr/include/stdio.h");
    ck_assert_int_eq(hit.line, 1);
    /* An unterminated string ends at its line; a cut text ends the scan. */
    ck_assert(finds("\"abc\nno_sanitize", prep_is_sanitizer_off, NULL, &hit));
    ck_assert(!finds("\"abc\\", prep_is_sanitizer_off, NULL, &hit));
}
END_TEST

TCase *sancheck_tcase(void)
{
    TCase *tc = tcase_create("sancheck");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, elf_weak_references_are_listed);
    tcase_add_test(tc, elf_finds_functions_kept_from_tsan);
    tcase_add_test(tc, prep_finds_sanitizer_attributes_in_every_spelling);
    tcase_add_test(tc, prep_skips_literals_and_follows_markers);
    return tc;
}
