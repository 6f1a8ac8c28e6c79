/* test_timeline.c - unit tests of the failure timeline: the engine's side
 * (grader/harness/timeline.c: the rings, their merge in sequence order, the
 * record's text) and the grader's (grader/src/timeline_text.c: the strict
 * parse of that text, which comes from the student's process, and the lines
 * shown). Linked into build/unit_tests (see test_units.c). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../grader/harness/timeline.h"
#include "../../grader/src/timeline_text.h"
#include "../../grader/src/util.h"
#include "../../grader/src/verdict.h"

static tl_event ev(uint32_t seq, uint16_t tid, char kind, uint16_t a)
{
    return (tl_event){ .seq = seq, .tid = tid, .kind = (uint8_t)kind, .a = a, .site = 0x1001 };
}

START_TEST(merge_keeps_the_last_k_in_order)
{
    /* Three threads' rings, flattened, each in its own ring order (wrapped). */
    tl_event all[] = { ev(9, 1, 'L', 1), ev(2, 1, 'U', 1), ev(5, 1, 'L', 1),
                       ev(0, 0, 0, 0),   /* an empty slot */
                       ev(7, 2, 'W', 1), ev(3, 2, 'L', 2),
                       ev(8, 3, 'S', 1), ev(1, 3, 'T', 0), ev(6, 3, 'J', 2) };
    tl_event out[4];
    size_t n = timeline_merge(all, sizeof all / sizeof all[0], out, 4);
    ck_assert_uint_eq(n, 4);
    uint32_t want[] = { 6, 7, 8, 9 };
    for (size_t i = 0; i < n; i++)
        ck_assert_uint_eq(out[i].seq, want[i]);
    ck_assert_uint_eq(out[1].tid, 2);
    /* Fewer events than asked: all of them, in order. */
    tl_event many[16];
    n = timeline_merge(all, sizeof all / sizeof all[0], many, 16);
    ck_assert_uint_eq(n, 8);
    uint32_t all_seqs[] = { 1, 2, 3, 5, 6, 7, 8, 9 };
    for (size_t i = 0; i < n; i++)
        ck_assert_uint_eq(many[i].seq, all_seqs[i]);
}
END_TEST

START_TEST(record_text_names_sites_in_the_program_only)
{
    tl_event e[] = { { .seq = 1, .tid = 2, .kind = 'L', .a = 1, .site = 0x5000 + 0x41 },
                     { .seq = 2, .tid = 3, .kind = 'K', .a = 2, .b = 1, .flags = TL_F_TIMEDOUT,
                       .site = 0x7fff0000 } };
    char buf[128];
    /* base 0x5000, program (0x5000, 0x9000]: the first site is in it, the second not. */
    timeline_write(buf, sizeof buf, e, 2, 0x5000, 0x5000, 0x9000);
    ck_assert_str_eq(buf, "1,2,L,1,0,0,@40 2,3,K,2,1,1,?");
    /* Only whole events fit. */
    timeline_write(buf, 16, e, 2, 0x5000, 0x5000, 0x9000);
    ck_assert_str_eq(buf, "1,2,L,1,0,0,@40");
}
END_TEST

/* The rings as the engine fills them, through the record to the lines. */
START_TEST(notes_become_lines)
{
    static char code[64]; /* stands in for the program: sites inside it */
    uintptr_t base = (uintptr_t)code, lo = base, hi = base + sizeof code;
    timeline_note(5, 2, TL_LOCK, 1, 0, code + 10);
    timeline_note(5, 2, TL_WAIT, 1, 1, code + 11);
    timeline_note(5, 2, TL_UNLOCK, 1, 0, code + 11); /* the wait's release: not an event */
    timeline_note(7, 3, TL_SIGNAL, 1, 0, code + 20);
    timeline_note(5, 2, TL_LOCK, 1, 0, code + 11);   /* the wait took the mutex back */
    timeline_wait_result(5, TIMELINE_SPURIOUS);
    timeline_note(5, 2, TL_TIMEDWAIT, 1, 1, code + 12);
    timeline_note(5, 2, TL_LOCK, 1, 0, code + 12);
    timeline_wait_result(5, ETIMEDOUT);
    timeline_note(5, 2, TL_UNLOCK, 1, 0, code + 13);
    timeline_note(7, 3, TL_JOIN, 2, 0, (void *)1); /* outside the program */
    char buf[TIMELINE_EMIT * 48];
    ck_assert_uint_eq(timeline_format(buf, sizeof buf, TIMELINE_EMIT, base, lo, hi), 8);
    tl_item it[TIMELINE_MAX_EVENTS];
    size_t n = timeline_parse(buf, it, TIMELINE_MAX_EVENTS);
    ck_assert_uint_eq(n, 8);
    const char *want[] = { "T2 lock(m1)",          "T2 wait(c1, m1)",
                           "T3 signal(c1)",        "T2 woke(c1) with no signal",
                           "T2 timedwait(c1, m1)", "T2 timed out(c1)",
                           "T2 unlock(m1)",        "T3 join(T2)" };
    for (size_t i = 0; i < n; i++) {
        char *line = timeline_line(&it[i], NULL);
        ck_assert_str_eq(line, want[i]);
        free(line);
    }
    ck_assert(it[0].has_site && it[0].site == 9); /* a return address, shown one back */
    ck_assert(!it[7].has_site);
    char *named = timeline_line(&it[1], "wallet.c:54");
    ck_assert_str_eq(named, "T2 wallet.c:54 wait(c1, m1)");
    free(named);
}
END_TEST

/* A wake-up the lost wake-up pause saw go by (waitpause.c) is named before
 * the wait it should have ended. */
START_TEST(missed_wakeup_is_named)
{
    static char code[64];
    uintptr_t base = (uintptr_t)code;
    timeline_note(9, 40, TL_BROADCAST, 3, 0, code + 5);
    timeline_note(8, 41, TL_MISSED, 3, 2, code + 6);
    timeline_note(8, 41, TL_WAIT, 3, 2, code + 6);
    char buf[TIMELINE_EMIT * 48];
    timeline_format(buf, sizeof buf, TIMELINE_EMIT, base, base, base + sizeof code);
    tl_item it[TIMELINE_MAX_EVENTS];
    size_t n = timeline_parse(buf, it, TIMELINE_MAX_EVENTS);
    const char *want[] = { "T40 broadcast(c3)",
                           "T41 missed a wake-up: c3 signalled while it held m2, before it waited",
                           "T41 wait(c3, m2)" };
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (it[i].tid != 40 && it[i].tid != 41)
            continue;
        ck_assert_uint_lt(k, 3);
        char *line = timeline_line(&it[i], NULL);
        ck_assert_str_eq(line, want[k++]);
        free(line);
    }
    ck_assert_uint_eq(k, 3);
}
END_TEST

/* Read-write locks and semaphores: their kinds parse and read as calls. */
START_TEST(rwlock_and_semaphore_events_read_as_calls)
{
    tl_item it[TIMELINE_MAX_EVENTS];
    size_t n = timeline_parse("1,2,R,3,0,0,? 2,2,U,3,0,0,? 3,4,V,1,0,0,? 4,4,v,2,0,0,? "
                              "5,5,O,1,0,0,@1f",
                              it, TIMELINE_MAX_EVENTS);
    ck_assert_uint_eq(n, 5);
    const char *want[] = { "T2 rdlock(m3)", "T2 unlock(m3)", "T4 sem_wait(s1)",
                           "T4 sem_timedwait(s2)", "T5 prog.c:9 sem_post(s1)" };
    for (size_t i = 0; i < n; i++) {
        char *line = timeline_line(&it[i], i == 4 ? "prog.c:9" : NULL);
        ck_assert_str_eq(line, want[i]);
        free(line);
    }
}
END_TEST

/* The record comes from the student's process: only well-formed words, in
 * increasing order, of known kinds and bounded numbers, are kept, and the
 * lines are rebuilt from the numbers (no byte of the record is copied). */
START_TEST(hostile_record_is_not_copied)
{
    const char *text = "1,2,L,1,0,0,@10 <script>alert(1)</script> 2,2,X,1,0,0,? "
                       "3,70000,L,1,0,0,? 4,2,L,1,0,0,@zz 5,2,U,1,0,0,@1f 2,2,L,1,0,0,? "
                       "6,2,L,1,0,9,? 7,2,L,1,0,0,@11111111111111111 8,2,L,1,0,0,?,x "
                       "9,2,L,\x1b[2J,0,0,? 10,02,S,3,0,0,? 11,1,C,0,0,0,?\nfake 12,1,L,1,0,0,?";
    tl_item it[TIMELINE_MAX_EVENTS];
    size_t n = timeline_parse(text, it, TIMELINE_MAX_EVENTS);
    ck_assert_uint_eq(n, 4);
    ck_assert_uint_eq(it[0].seq, 1);
    ck_assert_uint_eq(it[1].seq, 5);
    ck_assert_uint_eq(it[2].seq, 10);
    ck_assert_uint_eq(it[3].seq, 11);
    char *line = timeline_line(&it[2], NULL);
    ck_assert_str_eq(line, "T2 signal(c3)");
    free(line);
    /* At most `max` events. */
    char many[4096] = "";
    for (int i = 1; i <= 40; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%d,1,P,0,0,0,? ", i);
    ck_assert_uint_eq(timeline_parse(many, it, TIMELINE_MAX_EVENTS), TIMELINE_MAX_EVENTS);
    ck_assert_uint_eq(timeline_parse("", it, TIMELINE_MAX_EVENTS), 0);
}
END_TEST

/* A failing run's timeline follows its verdict: a TSan report that leads
 * the message keeps the failure's timeline; a later pass does not carry one. */
START_TEST(fold_keeps_the_failure_timeline)
{
    test_outcome so_far = { .status = TEST_FAILED, .message = xstrdup("balance -5"),
                            .timeline = xstrdup("T1 bank.c:3 lock(m1)") };
    test_outcome tsan = { .status = TEST_FAILED, .message = xstrdup("ThreadSanitizer: data race"),
                          .timeline = xstrdup("T9 bank.c:9 unlock(m1)") };
    verdict_fold(&so_far, &tsan, NEXT_TSAN);
    ck_assert_str_eq(so_far.timeline, "T1 bank.c:3 lock(m1)");
    ck_assert(strstr(so_far.message, "ThreadSanitizer") == so_far.message);
    test_outcome_free(&so_far);
    ck_assert(so_far.timeline == NULL);
}
END_TEST

TCase *timeline_tcase(void)
{
    TCase *tc = tcase_create("timeline");
    tcase_add_test(tc, merge_keeps_the_last_k_in_order);
    tcase_add_test(tc, record_text_names_sites_in_the_program_only);
    tcase_add_test(tc, notes_become_lines);
    tcase_add_test(tc, missed_wakeup_is_named);
    tcase_add_test(tc, rwlock_and_semaphore_events_read_as_calls);
    tcase_add_test(tc, hostile_record_is_not_copied);
    tcase_add_test(tc, fold_keeps_the_failure_timeline);
    return tc;
}
