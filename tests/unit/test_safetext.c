/* test_safetext.c - hostile bytes from a test process: every copy bounded,
 * JSON text valid UTF-8, terminal text without control bytes, CSV cells
 * without formulas (grader/src/safetext.c, sites.c, table.c, summary_out.c). */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../grader/src/safetext.h"
#include "../../grader/src/sites.h"
#include "../../grader/src/student_range.h"
#include "../../grader/src/summary.h"
#include "../../grader/src/table.h"
#include "../../grader/src/util.h"

/* True when `s` is strictly valid UTF-8 (what Jansson accepts). */
static bool valid_utf8(const char *s)
{
    json_t *j = json_string(s);
    bool ok = j != NULL;
    json_decref(j);
    return ok;
}

START_TEST(json_text_replaces_invalid_bytes)
{
    char *s = text_json_safe("caf\xC3\xA9 \xFF\xFE ok \xE2\x82", 100);
    ck_assert(valid_utf8(s));
    ck_assert_str_eq(s, "caf\xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD ok \xEF\xBF\xBD\xEF\xBF\xBD");
    free(s);
    /* Overlong encodings and surrogates are invalid too. */
    s = text_json_safe("\xC0\xAF \xED\xA0\x80", 100);
    ck_assert(valid_utf8(s));
    ck_assert_ptr_null(strstr(s, "\xC0"));
    free(s);
    ck_assert_ptr_null(text_json_safe(NULL, 10));
}
END_TEST

START_TEST(json_text_cuts_on_characters)
{
    /* 3000 two-byte characters, cut to 101 bytes: never half a character. */
    char big[6001];
    for (int i = 0; i < 3000; i++)
        memcpy(big + 2 * i, "\xC3\xA9", 2);
    big[6000] = '\0';
    char *s = text_json_safe(big, 101);
    ck_assert(valid_utf8(s));
    ck_assert_uint_le(strlen(s), 101);
    ck_assert_str_eq(s + strlen(s) - 3, "...");
    free(s);
    ck_assert_uint_eq(utf8_cut(big, 101), 100);
    ck_assert_uint_eq(utf8_cut("abc", 10), 3);
    /* trim_text (compiler messages) cuts on characters as well. */
    char *t = trim_text(big, 40, 4001);
    ck_assert(valid_utf8(t));
    free(t);
}
END_TEST

START_TEST(terminal_text_has_no_controls)
{
    char *s = text_terminal_safe("a\x1b[2J\x1b]0;x\x07 b\r\n\tc\x7f\xC2\x9B" "d\xE2\x80\xAE" "e", 200,
                                 false);
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        ck_assert_msg(c >= 0x20 || c == '\n' || c == '\t', "control byte 0x%02x in %s", c, s);
        ck_assert(c != 0x7f);
    }
    ck_assert_ptr_null(strstr(s, "\xC2\x9B")); /* C1 CSI */
    ck_assert_ptr_null(strstr(s, "\xE2\x80\xAE")); /* right-to-left override */
    ck_assert_ptr_nonnull(strstr(s, "a\\x1B[2J"));
    ck_assert_ptr_nonnull(strstr(s, "\\x0D\n\t"));
    free(s);
    s = text_terminal_safe("one\ntwo\tthree", 200, true);
    ck_assert_str_eq(s, "one\\x0Atwo\\x09three");
    free(s);
}
END_TEST

START_TEST(csv_cells_are_not_formulas)
{
    const char *cases[][2] = {
        { "=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0" },
        { "+1", "'+1" },
        { "-2", "'-2" },
        { "@SUM(A1)", "'@SUM(A1)" },
        { "\tx", "'\tx" },
        { "a,b", "\"a,b\"" },
        { "=1,\"2\"", "\"'=1,\"\"2\"\"\"" },
        { "alice", "alice" },
        { "", "" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *c = text_csv_cell(cases[i][0]);
        ck_assert_str_eq(c, cases[i][1]);
        free(c);
    }
    /* Ids that start with a formula character are not student ids. */
    ck_assert(!student_id_ok("=cmd|' /C calc'!A0"));
    ck_assert(!student_id_ok("-x"));
    ck_assert(!student_id_ok("@x"));
    ck_assert(student_id_ok("alice-1"));
    /* A forged results file's lesson id reaches the CSV escaped. */
    json_t *sum = json_pack("{s:[{s:s}], s:[{s:s, s:f, s:f, s:{}}]}", "lessons", "id",
                            "=HYPERLINK(\"x\")", "students", "id", "bob", "score", 1.0,
                            "max_score", 2.0, "lessons");
    char *csv = summary_csv(sum);
    ck_assert_ptr_nonnull(strstr(csv, ",\"'=HYPERLINK(\"\"x\"\")\""));
    ck_assert_ptr_null(strstr(csv, ",=HYPERLINK"));
    free(csv);
    json_decref(sum);
}
END_TEST

START_TEST(table_prints_no_escape_sequences)
{
    json_t *r = json_pack("{s:f, s:f, s:I, s:[{s:s, s:s, s:f, s:f, s:[{s:s, s:s, s:s, s:s}]},"
                          " {s:s, s:s, s:f, s:f, s:s, s:[]}]}",
                          "score", 0.0, "max_score", 20.0, "seed", (json_int_t)7, "lessons",
                          "id", "02-bank", "status", "graded", "score", 0.0, "max_score", 10.0,
                          "tests", "name", "t\x1b[1A", "status", "failed", "category",
                          "functional", "message", "\x1b[2J\x1b[Hforged\r\n01-threads 10.0/10.0",
                          "id", "01-threads", "status", "compile_error", "score", 0.0,
                          "max_score", 10.0, "message", "bank.c:1: error: \x1b]0;pwned\x07",
                          "tests");
    ck_assert_ptr_nonnull(r);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    print_table(f, r, true);
    fclose(f);
    for (size_t i = 0; i < len; i++)
        ck_assert_msg(buf[i] != 0x1b && buf[i] != '\r' && buf[i] != 0x07,
                      "control byte 0x%02x at %zu in:\n%s", buf[i], i, buf);
    ck_assert_ptr_nonnull(strstr(buf, "\\x1B[2J"));
    free(buf);
    json_decref(r);
}
END_TEST

/* An object whose debug info names a 16 KB file (a `#line` in the
 * student's file), with invalid UTF-8 in it; DWARF 4 so that addr2line
 * prints the name. */
static char *long_name_object(char **dir_out)
{
    char *dir = make_temp_dir("unit");
    ck_assert_ptr_nonnull(dir);
    char *src = xasprintf("%s/s.c", dir), *obj = xasprintf("%s/s.o", dir);
    FILE *f = fopen(src, "w");
    ck_assert_ptr_nonnull(f);
    fputs("#line 7 \"", f);
    for (int i = 0; i < 16384; i++)
        fputc(i == 100 ? '\xff' : 'a', f);
    fputs(".c\"\nint f(int x) { return x + 1; }\n", f);
    fclose(f);
    char *cmd = xasprintf("cc -std=c17 -O1 -gdwarf-4 -c %s -o %s", src, obj);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    free(src);
    *dir_out = dir;
    return obj;
}

START_TEST(sites_bound_a_16kb_file_name)
{
    char *dir = NULL, *obj = long_name_object(&dir);
    char *text = sites_symbolize("deadlock: lock at @0 while holding it (locked at @0)", obj,
                                 NULL);
    ck_assert_ptr_nonnull(text);
    ck_assert(valid_utf8(text));
    ck_assert_uint_lt(strlen(text), 600);
    ck_assert_ptr_nonnull(strstr(text, "[...]"));
    ck_assert_ptr_nonnull(strstr(text, ".c:7"));
    ck_assert_ptr_nonnull(strstr(text, "(locked at "));
    free(text);
    remove_tree(dir);
    free(dir);
    free(obj);
}
END_TEST

/* The address of `sym` in `bin`, from nm. */
static unsigned long long nm_address(const char *bin, const char *sym)
{
    char *cmd = xasprintf("nm %s", bin);
    FILE *p = popen(cmd, "r");
    free(cmd);
    ck_assert_ptr_nonnull(p);
    char line[512], name[256], type;
    unsigned long long addr = 0, a;
    while (fgets(line, sizeof line, p))
        if (sscanf(line, "%llx %c %255s", &a, &type, name) == 3 && strcmp(name, sym) == 0)
            addr = a;
    pclose(p);
    ck_assert_msg(addr != 0, "no %s in %s", sym, bin);
    return addr;
}

START_TEST(student_range_by_address_not_name)
{
    /* The student's object renames itself "harness.c"; the other object
     * (the course's) calls itself "bank.c". Only addresses decide. */
    char *dir = make_temp_dir("unit");
    ck_assert_ptr_nonnull(dir);
    char *cmd = xasprintf(
        "cd %s && printf '#line 1 \"harness.c\"\nstatic int helper(int x) { return x * 3; }\n"
        "int api_one(int x) { return helper(x) + 1; }\nint api_two(int x) { return x - 1; }\n' >s.c"
        " && printf '#line 1 \"bank.c\"\nint api_one(int); int api_two(int);\n"
        "int course_fn(int x) { return api_one(x) + api_two(x); }\n"
        "int main(int c, char **v) { (void)v; return course_fn(c); }\n' >m.c"
        " && cc -O0 -g -c s.c -o s.o && cc -O0 -g -c m.c -o m.o && cc -o bin s.o m.o",
        dir);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    char *obj = xasprintf("%s/s.o", dir), *bin = xasprintf("%s/bin", dir);
    code_range r;
    ck_assert_int_eq(student_range_find(obj, bin, &r), 0);
    ck_assert(in_student_range(&r, nm_address(bin, "api_one")));
    ck_assert(in_student_range(&r, nm_address(bin, "api_two")));
    ck_assert(in_student_range(&r, nm_address(bin, "helper")));
    ck_assert(!in_student_range(&r, nm_address(bin, "course_fn")));
    ck_assert(!in_student_range(&r, nm_address(bin, "main")));
    /* A file that is no ELF object: no range, no crash. */
    ck_assert_int_eq(student_range_find("/dev/null", bin, &r), -1);
    ck_assert(!in_student_range(&r, nm_address(bin, "api_one")));
    remove_tree(dir);
    free(dir);
    free(obj);
    free(bin);
}
END_TEST

TCase *safetext_tcase(void)
{
    TCase *tc = tcase_create("hostile bytes");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, json_text_replaces_invalid_bytes);
    tcase_add_test(tc, json_text_cuts_on_characters);
    tcase_add_test(tc, terminal_text_has_no_controls);
    tcase_add_test(tc, csv_cells_are_not_formulas);
    tcase_add_test(tc, table_prints_no_escape_sequences);
    tcase_add_test(tc, sites_bound_a_16kb_file_name);
    tcase_add_test(tc, student_range_by_address_not_name);
    return tc;
}
