/* test_units.c - unit tests of the grader's own parsers and helpers, run
 * under ASan and UBSan by `make test` (suite 10-unit). */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../grader/src/course.h"
#include "../../grader/src/elfcheck.h"
#include "../../grader/src/tsan_report.h"
#include "../../grader/src/util.h"

static const char *race_log =
    "==================\n"
    "WARNING: ThreadSanitizer: data race (pid=4242)\n"
    "  Write of size 8 at 0x7b0400000010 by thread T2 (mutexes: write M0):\n"
    "    #0 account_deposit /tmp/grader-x/bank.c:45:16 (tests+0x1234)\n"
    "    #1 mixer /course/exercises/02-bank/test_public.c:80 (tests+0x2222)\n"
    "\n"
    "  Previous read of size 8 at 0x7b0400000010 by thread T5:\n"
    "    #0 account_balance /tmp/grader-x/bank.c:51 (tests+0x1300)\n"
    "    #1 reader /course/exercises/02-bank/test_public.c:95 (tests+0x2400)\n"
    "\n"
    "  Location is heap block of size 48 at 0x7b0400000000 allocated by main thread:\n"
    "    #0 malloc <null> (libtsan.so.2+0x3ed98)\n"
    "    #1 account_new /tmp/grader-x/bank.c:15 (tests+0x1100)\n"
    "\n"
    "SUMMARY: ThreadSanitizer: data race /tmp/grader-x/bank.c:45:16 in account_deposit\n"
    "==================\n";

START_TEST(tsan_data_race_names_both_places)
{
    char *m = tsan_summarize_text(race_log, "bank.c", NULL, 0);
    ck_assert_ptr_nonnull(m);
    ck_assert_msg(strstr(m, "data race"), "%s", m);
    ck_assert_msg(strstr(m, "write by thread T2 in account_deposit (bank.c:45)"), "%s", m);
    ck_assert_msg(strstr(m, "read by thread T5 in account_balance (bank.c:51)"), "%s", m);
    ck_assert_msg(!strstr(m, "test_public"), "harness frames leaked: %s", m);
    ck_assert_msg(!strstr(m, "0x7b"), "addresses leaked: %s", m);
    free(m);
}
END_TEST

static const char *inversion_log =
    "WARNING: ThreadSanitizer: lock-order-inversion (potential deadlock) (pid=77)\n"
    "  Cycle in lock order graph: M0 (0x7b0c00000000) => M1 (0x7b0c00000040) => M0\n"
    "\n"
    "  Mutex M1 acquired here while holding mutex M0 in thread T1:\n"
    "    #0 pthread_mutex_lock <null> (libtsan.so.2+0x4f)\n"
    "    #1 bank_transfer /w/transfer.c:31 (tests+0x10)\n"
    "\n"
    "  Mutex M0 previously acquired by the same thread here:\n"
    "    #0 pthread_mutex_lock <null> (libtsan.so.2+0x4f)\n"
    "    #1 bank_transfer /w/transfer.c:30 (tests+0x10)\n"
    "\n"
    "  Mutex M0 acquired here while holding mutex M1 in thread T2:\n"
    "    #0 pthread_mutex_lock <null> (libtsan.so.2+0x4f)\n"
    "    #1 bank_transfer /w/transfer.c:31 (tests+0x10)\n"
    "\n"
    "SUMMARY: ThreadSanitizer: lock-order-inversion (potential deadlock) in bank_transfer\n";

START_TEST(tsan_inversion_and_ignore_list)
{
    char *m = tsan_summarize_text(inversion_log, "transfer.c", NULL, 0);
    ck_assert_ptr_nonnull(m);
    ck_assert_msg(strstr(m, "lock-order-inversion"), "%s", m);
    ck_assert_msg(strstr(m, "mutex M1 acquired here while holding mutex M0 in thread T1 in "
                            "bank_transfer (transfer.c:31)"), "%s", m);
    ck_assert_msg(strstr(m, "opposite orders"), "no advice: %s", m);
    free(m);
    char *ignore[] = { (char *)"lock-order-inversion" };
    ck_assert_ptr_null(tsan_summarize_text(inversion_log, "transfer.c", ignore, 1));
    ck_assert_ptr_null(tsan_summarize_text("nothing to see\n", "bank.c", NULL, 0));
}
END_TEST

START_TEST(tsan_report_outside_student_file)
{
    const char *log = "WARNING: ThreadSanitizer: data race (pid=1)\n"
                      "  Write of size 4 at 0x1 by thread T1:\n"
                      "    #0 helper /x/test_public.c:3 (t+0x1)\n"
                      "SUMMARY: ThreadSanitizer: data race\n";
    char *m = tsan_summarize_text(log, "bank.c", NULL, 0);
    ck_assert_ptr_nonnull(m);
    ck_assert_msg(strstr(m, "not in bank.c"), "%s", m);
    free(m);
}
END_TEST

/* A deadly signal: no headings; "==PID==" notes come before the stack. */
START_TEST(tsan_deadly_signal)
{
    const char *log =
        "ThreadSanitizer:DEADLYSIGNAL\n"
        "==61==ERROR: ThreadSanitizer: SEGV on unknown address 0x000000000000 (pc 0x5563 bp "
        "0x7fd8 sp 0x7fd0 T62)\n"
        "==61==The signal is caused by a READ memory access.\n"
        "==61==Hint: address points to the zero page.\n"
        "    #0 worker /w/bank.c:22 (tests+0x1200)\n"
        "    #1 __tsan_thread_start_func tsan_interceptors_posix.cpp:991 (libtsan.so.2+0x3898f)\n"
        "\n"
        "ThreadSanitizer can not provide additional info.\n"
        "SUMMARY: ThreadSanitizer: SEGV /w/bank.c:22 in worker\n"
        "==61==ABORTING\n";
    char *m = tsan_summarize_text(log, "bank.c", NULL, 0);
    ck_assert_ptr_nonnull(m);
    ck_assert_msg(strstr(m, "SEGV on unknown address 0x000000000000: the faulting access in "
                            "worker (bank.c:22)"), "%s", m);
    ck_assert_msg(!strstr(m, "(pc "), "registers leaked: %s", m);
    ck_assert_msg(strstr(m, "NULL pointer"), "no advice: %s", m);
    free(m);
    /* Outside the student's file: said so. */
    char *other = xstrdup(log);
    char *b = strstr(other, "/w/bank.c:22 (tests");
    memcpy(b, "/w/test.c:22 (tests", strlen("/w/test.c:22 (tests"));
    m = tsan_summarize_text(other, "bank.c", NULL, 0);
    ck_assert_msg(m && strstr(m, "not in bank.c"), "%s", m ? m : "(null)");
    free(m);
    free(other);
}
END_TEST

/* Compiles a snippet into an object in a temp dir and reads its symbols. */
static char *compile_snippet(const char *code)
{
    char *dir = make_temp_dir("unit");
    ck_assert_ptr_nonnull(dir);
    char *src = xasprintf("%s/s.c", dir), *obj = xasprintf("%s/s.o", dir);
    FILE *f = fopen(src, "w");
    ck_assert_ptr_nonnull(f);
    fputs(code, f);
    fclose(f);
    char *cmd = xasprintf("cc -std=c17 -c %s -o %s", src, obj);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    free(src);
    free(dir);
    return obj;
}

static bool has(char **list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

START_TEST(elf_symbols_and_constructors)
{
    char *obj = compile_snippet("#include <stdlib.h>\n"
                                "int visible; static int hidden;\n"
                                "static void helper(void) { hidden++; }\n"
                                "int api(void) { helper(); return system(\"x\") + visible; }\n"
                                "__attribute__((constructor)) static void early(void) {}\n");
    char err[128];
    elf_symbols s;
    ck_assert_int_eq(elf_read_symbols(obj, &s, err, sizeof err), 0);
    ck_assert(has(s.defined, s.ndefined, "api"));
    ck_assert(has(s.defined, s.ndefined, "visible"));
    ck_assert(!has(s.defined, s.ndefined, "helper"));
    ck_assert(!has(s.defined, s.ndefined, "hidden"));
    ck_assert(has(s.undefined, s.nundefined, "system"));
    ck_assert_msg(s.ninit == 1 && strcmp(s.init_sections[0], ".init_array") == 0,
                  "constructor section not found");
    elf_symbols_free(&s);
    char *dir = xstrdup(obj);
    *strrchr(dir, '/') = '\0';
    remove_tree(dir);
    free(dir);
    free(obj);
}
END_TEST

START_TEST(elf_rejects_garbage)
{
    char *dir = make_temp_dir("unit");
    char *p = xasprintf("%s/junk.o", dir);
    FILE *f = fopen(p, "w");
    fputs("\177ELF this is not really an object file, just bytes", f);
    fclose(f);
    char err[128];
    elf_symbols s;
    ck_assert_int_eq(elf_read_symbols(p, &s, err, sizeof err), -1);
    remove_tree(dir);
    free(p);
    free(dir);
}
END_TEST

START_TEST(trim_text_cuts_and_says_so)
{
    char *t = trim_text("a\nb\nc\nd\n", 2, 100);
    ck_assert_str_eq(t, "a\nb\n[... 2 more lines cut]\n");
    free(t);
    t = trim_text("short", 5, 100);
    ck_assert_str_eq(t, "short");
    free(t);
}
END_TEST

START_TEST(remove_tree_does_not_follow_links)
{
    char *outside = make_temp_dir("unit-keep");
    char *keep = xasprintf("%s/keep", outside);
    FILE *f = fopen(keep, "w");
    fputs("x", f);
    fclose(f);
    char *dir = make_temp_dir("unit-rm");
    char *sub = xasprintf("%s/sub", dir), *link = xasprintf("%s/sub/link", dir);
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    ck_assert_int_eq(symlink(outside, link), 0);
    ck_assert_int_eq(remove_tree(dir), 0);
    ck_assert_msg(access(keep, F_OK) == 0, "remove_tree followed a symlink out of the tree");
    ck_assert_msg(access(dir, F_OK) != 0, "the tree is still there");
    remove_tree(outside);
    free(keep);
    free(outside);
    free(dir);
    free(sub);
    free(link);
}
END_TEST

/* A submission can leave a tree far deeper than any fd stack in its scratch
 * dir: cleanup must still reach the bottom (and unreadable dirs on the way). */
START_TEST(remove_tree_any_depth)
{
    /* In memory when we can: 100000 directories on a disk take minutes.
     * (Check runs each test in its own process: the variable stays here.) */
    if (access("/dev/shm", W_OK) == 0)
        setenv("TMPDIR", "/dev/shm", 1);
    char *dir = make_temp_dir("unit-deep");
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(fd, 0);
    for (int i = 0; i < 100000; i++) {
        ck_assert_int_eq(mkdirat(fd, "d", 0700), 0);
        int sub = openat(fd, "d", O_RDONLY | O_DIRECTORY);
        ck_assert_int_ge(sub, 0);
        if (i % 1000 == 0) { /* a file, and a dir nobody may read */
            close(openat(fd, "f", O_WRONLY | O_CREAT, 0600));
            ck_assert_int_eq(mkdirat(fd, "locked", 0), 0);
        }
        close(fd);
        fd = sub;
    }
    close(fd);
    ck_assert_int_eq(remove_tree(dir), 0);
    ck_assert_msg(access(dir, F_OK) != 0, "the deep tree is still there");
    free(dir);
}
END_TEST

START_TEST(copy_untrusted_refuses_links)
{
    char *dir = make_temp_dir("unit");
    char *target = xasprintf("%s/t", dir), *link = xasprintf("%s/l", dir);
    char *dst = xasprintf("%s/d", dir);
    FILE *f = fopen(target, "w");
    fputs("secret", f);
    fclose(f);
    ck_assert_int_eq(symlink(target, link), 0);
    ck_assert_int_eq(copy_untrusted(link, dst, 100), -1);
    ck_assert_int_eq(copy_untrusted(target, dst, 3), -1); /* too large */
    ck_assert_int_eq(copy_untrusted(target, dst, 100), 0);
    remove_tree(dir);
    free(dir);
    free(target);
    free(link);
    free(dst);
}
END_TEST

START_TEST(categories_round_trip)
{
    for (int c = 0; c < NCAT; c++)
        ck_assert_int_eq(category_from_name(category_names[c]), c);
    ck_assert_int_eq(category_from_name("speed"), -1);
}
END_TEST

TCase *verdict_tcase(void); /* test_verdict.c */
TCase *safetext_tcase(void); /* test_safetext.c */
TCase *sancheck_tcase(void); /* test_sancheck.c */
TCase *timeline_tcase(void); /* test_timeline.c */
TCase *rundelay_tcase(void); /* test_rundelay.c */
TCase *pool_tcase(void); /* test_pool.c */
TCase *witness_tcase(void); /* test_witness.c */
TCase *cgroup_tcase(void); /* test_cgroup.c */
TCase *rpc_tcase(void); /* test_rpc.c */

int main(void)
{
    Suite *s = suite_create("grader units");
    TCase *tc = tcase_create("units");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, tsan_data_race_names_both_places);
    tcase_add_test(tc, tsan_inversion_and_ignore_list);
    tcase_add_test(tc, tsan_report_outside_student_file);
    tcase_add_test(tc, tsan_deadly_signal);
    tcase_add_test(tc, elf_symbols_and_constructors);
    tcase_add_test(tc, elf_rejects_garbage);
    tcase_add_test(tc, remove_tree_any_depth);
    tcase_add_test(tc, trim_text_cuts_and_says_so);
    tcase_add_test(tc, remove_tree_does_not_follow_links);
    tcase_add_test(tc, copy_untrusted_refuses_links);
    tcase_add_test(tc, categories_round_trip);
    suite_add_tcase(s, tc);
    suite_add_tcase(s, verdict_tcase());
    suite_add_tcase(s, safetext_tcase());
    suite_add_tcase(s, sancheck_tcase());
    suite_add_tcase(s, timeline_tcase());
    suite_add_tcase(s, rundelay_tcase());
    suite_add_tcase(s, pool_tcase());
    suite_add_tcase(s, witness_tcase());
    suite_add_tcase(s, cgroup_tcase());
    suite_add_tcase(s, rpc_tcase());
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
