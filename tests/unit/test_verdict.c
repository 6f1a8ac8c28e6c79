/* test_verdict.c - unit tests of the rules that judge a test (verdict.c)
 * and of scoring (score.c): every rule from the evidence it needs, no test
 * binary involved. Linked into build/unit_tests (see test_units.c). */
#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "../../grader/src/score.h"
#include "../../grader/src/verdict.h"

#define EXIT(n) ((n) << 8)  /* a wait status: exited with n */
#define KILLED(sig) (sig)   /* a wait status: killed by sig */

static test_outcome judge(const run_evidence *e, int category, bool tsan)
{
    test_outcome o;
    verdict_of_run(e, category, 2000, tsan, 42, &o);
    return o;
}

#define ck_message_has(o, text) \
    ck_assert_msg((o).message && strstr((o).message, text), "message %s lacks %s", \
                  (o).message ? (o).message : "(none)", text)

START_TEST(pass_needs_pass_record_and_clean_exit)
{
    run_evidence e = { .records = "pass t\n", .wait_status = EXIT(0), .wall_ms = 12 };
    test_outcome o = judge(&e, CAT_FUNCTIONAL, false);
    ck_assert_int_eq(o.status, TEST_PASSED);
    ck_assert_ptr_null(o.message);
    ck_assert_uint_eq(o.seed, 42);
    ck_assert(o.duration_ms == 12);
    /* The pass record, then an unclean exit: not a pass. */
    e.wait_status = EXIT(3);
    o = judge(&e, CAT_FUNCTIONAL, false);
    ck_assert_int_eq(o.status, TEST_FAILED);
    ck_message_has(o, "exited with status 3");
    test_outcome_free(&o);
    /* A clean exit without the pass record (the records are what carried
     * this run's token: forged lines never get here): not a pass. */
    e.records = "";
    e.wait_status = EXIT(0);
    o = judge(&e, CAT_FUNCTIONAL, false);
    ck_assert_int_eq(o.status, TEST_FAILED);
    test_outcome_free(&o);
}
END_TEST

START_TEST(early_exit_is_a_failure)
{
    run_evidence e = { .records = "", .wait_status = EXIT(0) };
    test_outcome o = judge(&e, CAT_RACE, false);
    ck_assert_int_eq(o.status, TEST_FAILED);
    ck_message_has(o, "exited (status 0) before the test finished");
    test_outcome_free(&o);
}
END_TEST

/* The judge killed by someone else (the subject, where both share a uid):
 * the subject then exits on the closed channel. The message names the
 * judge's death, not an exit() in the lesson's code; the subject's own
 * crash still comes first (its line is the evidence). */
START_TEST(judge_killed_is_named)
{
    run_evidence e = { .records = "", .wait_status = EXIT(0), .judge_signal = SIGKILL };
    test_outcome o = judge(&e, CAT_FUNCTIONAL, false);
    ck_assert_int_eq(o.status, TEST_FAILED);
    ck_message_has(o, "tests' own process died (SIGKILL)");
    test_outcome_free(&o);
    e.records = "crash 6 0x1234\n";
    e.wait_status = KILLED(SIGABRT);
    o = judge(&e, CAT_FUNCTIONAL, false);
    ck_assert_int_eq(o.status, TEST_CRASHED);
    ck_message_has(o, "SIGABRT");
    test_outcome_free(&o);
}
END_TEST

START_TEST(assertion_message_is_kept)
{
    run_evidence e = { .records = "fail t test_public.c:40 balance is 90, expected 100\n",
                       .wait_status = EXIT(1) };
    test_outcome o = judge(&e, CAT_FUNCTIONAL, false);
    ck_assert_int_eq(o.status, TEST_FAILED);
    ck_assert_str_eq(o.message, "balance is 90, expected 100");
    test_outcome_free(&o);
}
END_TEST

START_TEST(crash_names_signal_and_place)
{
    run_evidence e = { .records = "crash b 0x1234 0x5678\n", .wait_status = KILLED(SIGSEGV),
                       .crash_where = "in account_deposit (bank.c:45)" };
    test_outcome o = judge(&e, CAT_FUNCTIONAL, false);
    ck_assert_int_eq(o.status, TEST_CRASHED);
    ck_message_has(o, "SIGSEGV");
    ck_message_has(o, "in account_deposit (bank.c:45)");
    test_outcome_free(&o);
    /* Killed without a record (the handler could not run): still a crash. */
    run_evidence k = { .records = "", .wait_status = KILLED(SIGABRT) };
    o = judge(&k, CAT_FUNCTIONAL, false);
    ck_assert_int_eq(o.status, TEST_CRASHED);
    ck_message_has(o, "SIGABRT");
    test_outcome_free(&o);
    /* A crash after the pass record is still a crash. */
    run_evidence after = { .records = "pass t\ncrash 6\n", .wait_status = KILLED(SIGABRT) };
    o = judge(&after, CAT_FUNCTIONAL, false);
    ck_assert_int_eq(o.status, TEST_CRASHED);
    ck_message_has(o, "after the test finished");
    test_outcome_free(&o);
}
END_TEST

START_TEST(timeout_tells_the_hang_story)
{
    run_evidence e = { .records = "", .timed_out = true, .wait_status = KILLED(SIGKILL),
                       .hang = "thread 2 waits for lock 1 (at transfer.c:63)" };
    test_outcome o = judge(&e, CAT_DEADLOCK, false);
    ck_assert_int_eq(o.status, TEST_TIMEOUT);
    ck_message_has(o, "did not finish within 2.0 s: thread 2 waits for lock 1 (at transfer.c:63)");
    test_outcome_free(&o);
    e.hang = NULL;
    o = judge(&e, CAT_DEADLOCK, false);
    ck_assert_int_eq(o.status, TEST_TIMEOUT);
    ck_message_has(o, "a deadlock, a missed wake-up, or an endless loop");
    test_outcome_free(&o);
}
END_TEST

START_TEST(tsan_report_decides_a_tsan_run)
{
    run_evidence e = { .records = "pass t\n", .wait_status = EXIT(TSAN_EXIT),
                       .tsan_report = "ThreadSanitizer: data race: write by thread T2 in "
                                      "account_deposit (bank.c:45)" };
    test_outcome o = judge(&e, CAT_RACE, true);
    ck_assert_int_eq(o.status, TEST_FAILED);
    ck_message_has(o, "data race: write by thread T2");
    ck_assert(o.tsan_run);
    test_outcome_free(&o);
    /* TSan's exit status without a readable report: still a failure. */
    e.tsan_report = NULL;
    o = judge(&e, CAT_RACE, true);
    ck_assert_int_eq(o.status, TEST_FAILED);
    ck_message_has(o, "report was not readable");
    test_outcome_free(&o);
    /* A clean TSan run passes. */
    e.wait_status = EXIT(0);
    o = judge(&e, CAT_RACE, true);
    ck_assert_int_eq(o.status, TEST_PASSED);
}
END_TEST

START_TEST(lock_order_fails_deadlock_tests_only)
{
    run_evidence e = { .records = "pass t\n", .wait_status = EXIT(0),
                       .lockorder = "thread 1 locks 2 while holding 1 (transfer.c:62)" };
    test_outcome o = judge(&e, CAT_DEADLOCK, false);
    ck_assert_int_eq(o.status, TEST_FAILED);
    ck_assert(o.engine_found);
    ck_message_has(o, "lock-order inversion");
    ck_message_has(o, "transfer.c:62");
    test_outcome_free(&o);
    o = judge(&e, CAT_RACE, false);
    ck_assert_int_eq(o.status, TEST_PASSED);
    ck_assert(!o.engine_found);
}
END_TEST

START_TEST(leak_fails_any_test_and_comes_first)
{
    /* A test that passed, in every category: what the call left fails it. */
    run_evidence e = { .records = "pass t\n", .wait_status = EXIT(0),
                       .leak = "run_all returned without joining 1 thread it started "
                               "(at threads.c:40): join every thread" };
    for (int cat = 0; cat < NCAT; cat++) {
        test_outcome o = judge(&e, cat, false);
        ck_assert_int_eq(o.status, TEST_FAILED);
        ck_assert(o.engine_found);
        ck_message_has(o, "run_all returned without joining 1 thread");
        ck_message_has(o, "threads.c:40");
        test_outcome_free(&o);
    }
    /* The mutex it kept then deadlocks the next call, which hangs: the
     * cause is told, not its effects. */
    e.leak = "account_withdraw returned holding lock 2 (locked at bank.c:31)";
    e.deadlock = "thread 2 locks lock 2 at bank.c:31 while it already holds it";
    e.timed_out = true;
    e.records = "leak x\ndeadlock y\n";
    test_outcome o = judge(&e, CAT_FUNCTIONAL, false);
    ck_assert_int_eq(o.status, TEST_FAILED);
    ck_message_has(o, "account_withdraw returned holding lock 2 (locked at bank.c:31)");
    test_outcome_free(&o);
    /* Without the record the same run is judged as before. */
    e.leak = NULL;
    o = judge(&e, CAT_FUNCTIONAL, false);
    ck_message_has(o, "deadlock: thread 2");
    test_outcome_free(&o);
}
END_TEST

START_TEST(engine_deadlock_fails_any_test)
{
    run_evidence e = { .records = "deadlock x\n", .wait_status = EXIT(1),
                       .deadlock = "thread 3 holds lock 1 (locked at transfer.c:62)" };
    test_outcome o = judge(&e, CAT_FUNCTIONAL, false);
    ck_assert_int_eq(o.status, TEST_FAILED);
    ck_assert(o.engine_found);
    ck_message_has(o, "deadlock: thread 3 holds lock 1");
    test_outcome_free(&o);
}
END_TEST

START_TEST(misuse_fails_any_test_with_its_text)
{
    /* A test that passed, in every category: the misuse record fails it. */
    static const int cats[] = { CAT_FUNCTIONAL, CAT_RACE, CAT_DEADLOCK, CAT_ORDERING,
                                CAT_TIMING };
    run_evidence e = { .records = "pass t\n", .wait_status = EXIT(0),
                       .misuse = "thread 2 unlocked mutex 1 at bank.c:40, but thread 3 "
                                 "holds it (locked at bank.c:31)" };
    for (size_t i = 0; i < sizeof cats / sizeof cats[0]; i++) {
        test_outcome o = judge(&e, cats[i], false);
        ck_assert_int_eq(o.status, TEST_FAILED);
        ck_assert(o.engine_found);
        ck_message_has(o, "misuse of the pthread API: thread 2 unlocked mutex 1 at bank.c:40");
        ck_message_has(o, "(locked at bank.c:31)");
        test_outcome_free(&o);
    }
    /* Under ThreadSanitizer too, before its report, and before a hang or an
     * exit (a relocked mutex ends the run). */
    e.tsan_report = "ThreadSanitizer: data race";
    test_outcome o = judge(&e, CAT_RACE, true);
    ck_message_has(o, "misuse of the pthread API");
    test_outcome_free(&o);
    run_evidence hung = { .records = "", .timed_out = true, .hang = "thread 2 waits",
                          .misuse = "thread 2 locked mutex 1 at x.c:9, which it already holds" };
    o = judge(&hung, CAT_FUNCTIONAL, false);
    ck_assert_int_eq(o.status, TEST_FAILED);
    ck_message_has(o, "which it already holds");
    test_outcome_free(&o);
    /* A deadlock is the stronger evidence: it leads. */
    run_evidence both = { .records = "", .wait_status = EXIT(87), .deadlock = "cycle",
                          .misuse = "thread 2 exited while holding mutex 1" };
    o = judge(&both, CAT_FUNCTIONAL, false);
    ck_message_has(o, "deadlock: cycle");
    test_outcome_free(&o);
    /* No misuse record: the test passes. */
    e.misuse = NULL;
    e.tsan_report = NULL;
    o = judge(&e, CAT_FUNCTIONAL, false);
    ck_assert_int_eq(o.status, TEST_PASSED);
    ck_assert(!o.engine_found);
}
END_TEST

START_TEST(stack_overflow_leads)
{
    /* A task's stack overrun (intercept_ucontext.c) fails any test, before
     * the crash or the misuse it may have caused: those are its effects. */
    run_evidence e = { .records = "overflow x\ncrash b 1 2\n", .wait_status = EXIT(1),
                       .overflow = "task stack overflow: the 4096-byte stack made at "
                                   "coro.c:175 (makecontext) was overrun",
                       .misuse = "thread 2 unlocked mutex 1 at coro.c:40" };
    test_outcome o = judge(&e, CAT_ORDERING, false);
    ck_assert_int_eq(o.status, TEST_FAILED);
    ck_assert(o.engine_found);
    ck_message_has(o, "task stack overflow: the 4096-byte stack made at coro.c:175");
    test_outcome_free(&o);
    run_evidence passed = { .records = "pass t\n", .wait_status = EXIT(0),
                            .overflow = "task stack overflow: the 8192-byte stack" };
    o = judge(&passed, CAT_TIMING, false);
    ck_assert_int_eq(o.status, TEST_FAILED);
    ck_message_has(o, "the 8192-byte stack");
    test_outcome_free(&o);
}
END_TEST

START_TEST(busy_waiting_fails_with_its_text)
{
    /* The engine ended the run (exit 87) when a thread spun under virtual
     * time: its record is the verdict, in any category, not "exited". */
    run_evidence e = { .records = "gone t\n", .wait_status = EXIT(87),
                       .spin = "busy waiting: thread 2 kept running (1.0 s of CPU, never "
                               "blocked) while thread 1 sleeps (at timer.c:30)" };
    test_outcome o = judge(&e, CAT_TIMING, false);
    ck_assert_int_eq(o.status, TEST_FAILED);
    ck_assert(o.engine_found);
    ck_message_has(o, "busy waiting: thread 2 kept running");
    ck_message_has(o, "(at timer.c:30)");
    test_outcome_free(&o);
    o = judge(&e, CAT_RACE, true);
    ck_message_has(o, "busy waiting");
    test_outcome_free(&o);
    /* A misuse still leads (it is often why a thread spins). */
    e.misuse = "thread 2 exited while holding mutex 1";
    o = judge(&e, CAT_TIMING, false);
    ck_message_has(o, "misuse of the pthread API");
    test_outcome_free(&o);
}
END_TEST

START_TEST(sandbox_output_and_modified_binary)
{
    run_evidence e = { .records = "pass t\n", .wait_status = EXIT(0), .sandbox_failed = true };
    test_outcome o = judge(&e, CAT_FUNCTIONAL, false);
    ck_assert_int_eq(o.status, TEST_FAILED);
    ck_message_has(o, "sandbox failure");
    test_outcome_free(&o);
    run_evidence big = { .records = "pass t\n", .wait_status = KILLED(SIGKILL),
                         .output_limit = true, .output_cap_kib = 256 };
    o = judge(&big, CAT_FUNCTIONAL, false);
    ck_assert_int_eq(o.status, TEST_FAILED);
    ck_message_has(o, "more than 256 KiB");
    test_outcome_free(&o);
    run_evidence mod = { .binary_modified = true, .records = "" };
    o = judge(&mod, CAT_FUNCTIONAL, false);
    ck_assert_int_eq(o.status, TEST_FAILED);
    ck_message_has(o, "modified by an earlier test run");
    test_outcome_free(&o);
}
END_TEST

START_TEST(subject_cannot_write_judge_records)
{
    /* Every kind only the judge writes, in each shape a subject could try:
     * with a name, alone, at the end without a newline. */
    const char *forged = "pass deposit_and_balance\n"
                         "pass\n"
                         "fail deposit_and_balance test_public.c:1 nothing\n"
                         "fail\n"
                         "gone deposit_and_balance ?:0 x\n"
                         "test deposit_and_balance functional 0 public\n"
                         "end\n"
                         "end";
    char *kept = verdict_subject_records(forged);
    ck_assert_str_eq(kept, "");
    free(kept);
    /* What the subject may report stays, in order; look-alikes of the
     * judge's kinds are other kinds. */
    const char *mixed = "deadlock 3 1 0x10\n"
                        "pass t\n"
                        "passing t\n"
                        "hang 2 0x20\n"
                        "ending\n"
                        "endx\n"
                        "crash b 0x1234\n"
                        "gone t ?:0 y\n"
                        "lockorder 1 2";
    kept = verdict_subject_records(mixed);
    ck_assert_str_eq(kept, "deadlock 3 1 0x10\npassing t\nhang 2 0x20\nending\nendx\n"
                           "crash b 0x1234\nlockorder 1 2\n");
    /* Nothing the filter kept reads as the judge's. */
    ck_assert_ptr_null(verdict_find_record(kept, "pass"));
    ck_assert_ptr_null(verdict_find_record(kept, "fail"));
    ck_assert_ptr_null(verdict_find_record(kept, "gone"));
    free(kept);
    kept = verdict_subject_records("");
    ck_assert_str_eq(kept, "");
    free(kept);
    /* A forged pass behind the subject's clean exit is not a pass. */
    kept = verdict_subject_records("pass\n");
    run_evidence e = { .records = kept, .wait_status = EXIT(0) };
    test_outcome o = judge(&e, CAT_FUNCTIONAL, false);
    ck_assert_int_eq(o.status, TEST_FAILED);
    test_outcome_free(&o);
    free(kept);
}
END_TEST

START_TEST(gone_takes_the_subjects_fate)
{
    /* The judge's "gone": the subject stopped answering mid-test. */
#define GONE                                                                             \
    "gone t judge.c:1 the program under test stopped while the test waited for x (it "  \
    "crashed, deadlocked or exited)\n"
    /* It crashed (its record): a crash, where it happened. */
    run_evidence e = { .records = GONE "crash b 0x1234\n", .wait_status = KILLED(SIGSEGV),
                       .crash_where = "in account_deposit (bank.c:45)" };
    test_outcome o = judge(&e, CAT_FUNCTIONAL, false);
    ck_assert_int_eq(o.status, TEST_CRASHED);
    ck_message_has(o, "SIGSEGV");
    ck_message_has(o, "in account_deposit (bank.c:45)");
    test_outcome_free(&o);
    /* Killed by a signal without a record: a crash too. */
    run_evidence k = { .records = GONE, .wait_status = KILLED(SIGABRT) };
    o = judge(&k, CAT_RACE, false);
    ck_assert_int_eq(o.status, TEST_CRASHED);
    ck_message_has(o, "SIGABRT");
    test_outcome_free(&o);
    /* It exited: the status, and the likely cause. */
    run_evidence x = { .records = GONE, .wait_status = EXIT(3) };
    o = judge(&x, CAT_FUNCTIONAL, false);
    ck_assert_int_eq(o.status, TEST_FAILED);
    ck_message_has(o, "exited (status 3) before the test finished (the test was waiting "
                      "for x): is exit() called");
    test_outcome_free(&o);
    x.wait_status = EXIT(0);
    o = judge(&x, CAT_FUNCTIONAL, false);
    ck_assert_int_eq(o.status, TEST_FAILED);
    ck_message_has(o, "exited (status 0)");
    test_outcome_free(&o);
    /* It never said HELLO: the message says so. */
    run_evidence s = { .records = "gone t judge.c:1 the program under test stopped before "
                                  "the test began: it did not start\n",
                       .wait_status = EXIT(0) };
    o = judge(&s, CAT_FUNCTIONAL, false);
    ck_message_has(o, "exited (status 0) before the test began (the test was waiting for the "
                      "program to start): does the lesson's code call exit() as it loads");
    test_outcome_free(&o);
    /* The engine stopped a deadlock: the deadlock, not the exit. */
    run_evidence d = { .records = GONE "deadlock 3 1 0x10\n", .wait_status = EXIT(1),
                       .deadlock = "thread 3 holds lock 1 (locked at transfer.c:62)" };
    o = judge(&d, CAT_FUNCTIONAL, false);
    ck_assert_int_eq(o.status, TEST_FAILED);
    ck_assert(o.engine_found);
    ck_message_has(o, "deadlock: thread 3 holds lock 1");
    test_outcome_free(&o);
    /* The judge's message is never the verdict: it names no cause. */
    o = judge(&x, CAT_FUNCTIONAL, false);
    ck_assert_msg(!strstr(o.message, "the program under test stopped"), "%s", o.message);
    test_outcome_free(&o);
#undef GONE
}
END_TEST

static test_outcome with(enum test_status st, int attempts)
{
    test_outcome o = { .status = st, .attempts = attempts, .seed = 7 };
    return o;
}

START_TEST(timing_failures_are_retried)
{
    test_outcome o = with(TEST_FAILED, 1);
    ck_assert_int_eq(verdict_next_run(CAT_TIMING, &o, 1, true, false), NEXT_SAME_SEED);
    ck_assert_uint_eq(verdict_next_seed(NEXT_SAME_SEED, 1234, 1, &o), 1234);
    o.attempts = TIMING_ATTEMPTS - 1;
    ck_assert_int_eq(verdict_next_run(CAT_TIMING, &o, 1, true, false), NEXT_SAME_SEED);
    o.attempts = TIMING_ATTEMPTS;
    ck_assert_int_eq(verdict_next_run(CAT_TIMING, &o, 1, true, false), NEXT_NONE);
    /* A hang or a pass is not retried; other categories are not retried. */
    o = with(TEST_TIMEOUT, 1);
    ck_assert_int_eq(verdict_next_run(CAT_TIMING, &o, 1, true, false), NEXT_NONE);
    o = with(TEST_PASSED, 1);
    ck_assert_int_eq(verdict_next_run(CAT_TIMING, &o, 1, true, false), NEXT_NONE);
    o = with(TEST_FAILED, 1);
    ck_assert_int_eq(verdict_next_run(CAT_FUNCTIONAL, &o, 1, true, false), NEXT_NONE);
    /* A timing failure under virtual time (its "vclock" record) is exact: never re-run. */
    run_evidence e = { .records = "vclock on\nfail t test_public.c:9 took 705 ms\n",
                       .wait_status = EXIT(1) };
    o = judge(&e, CAT_TIMING, false);
    ck_assert_int_eq(o.status, TEST_FAILED);
    ck_assert(o.virtual_time);
    ck_assert_int_eq(verdict_next_run(CAT_TIMING, &o, 1, true, false), NEXT_NONE);
    test_outcome_free(&o);
    /* The retry replaces the verdict and counts the attempt. */
    test_outcome first = with(TEST_FAILED, 2), again = with(TEST_PASSED, 1);
    verdict_fold(&first, &again, NEXT_SAME_SEED);
    ck_assert_int_eq(first.status, TEST_PASSED);
    ck_assert_int_eq(first.attempts, 3);
}
END_TEST

START_TEST(stress_tests_get_a_second_schedule_then_tsan)
{
    test_outcome o = with(TEST_PASSED, 1);
    ck_assert_int_eq(verdict_next_run(CAT_RACE, &o, 1, true, false), NEXT_OTHER_SCHEDULE);
    ck_assert_int_eq(verdict_next_run(CAT_ORDERING, &o, 1, true, false), NEXT_OTHER_SCHEDULE);
    ck_assert_int_eq(verdict_next_run(CAT_FUNCTIONAL, &o, 1, true, false), NEXT_NONE);
    ck_assert_int_eq(verdict_next_run(CAT_RACE, &o, STRESS_SEEDS, true, false), NEXT_TSAN);
    ck_assert_int_eq(verdict_next_run(CAT_DEADLOCK, &o, STRESS_SEEDS, true, false), NEXT_TSAN);
    ck_assert_int_eq(verdict_next_run(CAT_ORDERING, &o, STRESS_SEEDS, true, false), NEXT_NONE);
    ck_assert_int_eq(verdict_next_run(CAT_RACE, &o, STRESS_SEEDS, false, false), NEXT_NONE);
    ck_assert_int_eq(verdict_next_run(CAT_RACE, &o, STRESS_SEEDS, true, true), NEXT_NONE);
    /* A plain failure still gets its TSan run (its report names the cause),
     * unless it hung, crashed or the engine found the cause. */
    o = with(TEST_FAILED, 1);
    ck_assert_int_eq(verdict_next_run(CAT_RACE, &o, 1, true, false), NEXT_TSAN);
    ck_assert_uint_eq(verdict_next_seed(NEXT_TSAN, 1234, 1, &o), 7);
    o.engine_found = true;
    ck_assert_int_eq(verdict_next_run(CAT_DEADLOCK, &o, 1, true, false), NEXT_NONE);
    o = with(TEST_TIMEOUT, 1);
    ck_assert_int_eq(verdict_next_run(CAT_DEADLOCK, &o, 1, true, false), NEXT_NONE);
    o = with(TEST_CRASHED, 1);
    ck_assert_int_eq(verdict_next_run(CAT_RACE, &o, 1, true, false), NEXT_NONE);
}
END_TEST

START_TEST(derived_seeds_are_stable_and_short)
{
    test_outcome o = with(TEST_PASSED, 1);
    /* SplitMix64's value for this base: a JSON's reported seed must keep
     * meaning the same schedule across grader versions. */
    ck_assert_uint_eq(verdict_next_seed(NEXT_OTHER_SCHEDULE, 703021134, 1, &o), 813864994);
    for (uint64_t b = 0; b < 1000; b++) {
        uint64_t s = verdict_next_seed(NEXT_OTHER_SCHEDULE, b, 1, &o);
        ck_assert_uint_lt(s, 1000000000ull);
        ck_assert_uint_ne(s, b);
    }
}
END_TEST

START_TEST(tsan_report_leads_a_plain_failure)
{
    test_outcome plain = with(TEST_FAILED, 1), ts = with(TEST_FAILED, 1);
    plain.message = strdup("balance is 90, expected 100");
    plain.duration_ms = 10;
    ts.message = strdup("ThreadSanitizer: data race: write by thread T2");
    ts.tsan_run = true;
    verdict_fold(&plain, &ts, NEXT_TSAN);
    ck_assert_int_eq(plain.status, TEST_FAILED);
    ck_assert(plain.tsan_run);
    ck_assert_str_eq(plain.message, "ThreadSanitizer: data race: write by thread T2 (the test "
                                    "saw: balance is 90, expected 100)");
    test_outcome_free(&plain);
    /* A pass gives way to TSan's failure; a TSan pass does not undo a failure. */
    test_outcome p = with(TEST_PASSED, 1), f = with(TEST_FAILED, 1);
    f.message = strdup("ThreadSanitizer: data race");
    f.tsan_run = true;
    verdict_fold(&p, &f, NEXT_TSAN);
    ck_assert_int_eq(p.status, TEST_FAILED);
    ck_assert(p.tsan_run);
    test_outcome_free(&p);
    test_outcome fail = with(TEST_FAILED, 1), pass = with(TEST_PASSED, 1);
    fail.message = strdup("lost update");
    verdict_fold(&fail, &pass, NEXT_TSAN);
    ck_assert_int_eq(fail.status, TEST_FAILED);
    ck_assert_str_eq(fail.message, "lost update");
    test_outcome_free(&fail);
}
END_TEST

START_TEST(category_points_shared_by_its_tests)
{
    lesson l;
    memset(&l, 0, sizeof l);
    l.points[CAT_FUNCTIONAL] = 4;
    l.points[CAT_RACE] = 6;
    ck_assert(score_lesson_max(&l) == 10);
    int cats[] = { CAT_FUNCTIONAL, CAT_RACE, CAT_FUNCTIONAL, CAT_RACE, CAT_RACE };
    double shares[5];
    score_shares(&l, cats, 5, shares);
    ck_assert(shares[0] == 2 && shares[2] == 2);
    ck_assert(shares[1] == 2 && shares[3] == 2 && shares[4] == 2);
    bool passed[] = { true, false, true, true, false };
    ck_assert(score_total(shares, passed, 5) == 6);
    bool all[] = { true, true, true, true, true };
    ck_assert(score_total(shares, all, 5) == 10);
    /* Thirds add up to the whole, rounded to hundredths. */
    l.points[CAT_RACE] = 10;
    int three[] = { CAT_RACE, CAT_RACE, CAT_RACE };
    score_shares(&l, three, 3, shares);
    ck_assert(score_total(shares, all, 3) == 10);
    ck_assert(shares[0] == 3.34 && shares[1] == 3.33 && shares[2] == 3.33);
    ck_assert(score_total(shares, passed, 1) == 3.34);
    /* 10 points over 18 tests: each shown share is what it counts for. */
    int many[18];
    for (int i = 0; i < 18; i++)
        many[i] = CAT_RACE;
    double s18[18], sum = 0;
    score_shares(&l, many, 18, s18);
    for (int i = 0; i < 18; i++) {
        ck_assert(s18[i] == 0.56 || s18[i] == 0.55);
        sum += s18[i];
    }
    ck_assert(fabs(sum - 10) < 1e-9);
}
END_TEST

TCase *verdict_tcase(void)
{
    TCase *tc = tcase_create("verdict and score");
    tcase_add_test(tc, pass_needs_pass_record_and_clean_exit);
    tcase_add_test(tc, early_exit_is_a_failure);
    tcase_add_test(tc, judge_killed_is_named);
    tcase_add_test(tc, assertion_message_is_kept);
    tcase_add_test(tc, crash_names_signal_and_place);
    tcase_add_test(tc, timeout_tells_the_hang_story);
    tcase_add_test(tc, tsan_report_decides_a_tsan_run);
    tcase_add_test(tc, lock_order_fails_deadlock_tests_only);
    tcase_add_test(tc, engine_deadlock_fails_any_test);
    tcase_add_test(tc, misuse_fails_any_test_with_its_text);
    tcase_add_test(tc, stack_overflow_leads);
    tcase_add_test(tc, busy_waiting_fails_with_its_text);
    tcase_add_test(tc, leak_fails_any_test_and_comes_first);
    tcase_add_test(tc, sandbox_output_and_modified_binary);
    tcase_add_test(tc, subject_cannot_write_judge_records);
    tcase_add_test(tc, gone_takes_the_subjects_fate);
    tcase_add_test(tc, timing_failures_are_retried);
    tcase_add_test(tc, stress_tests_get_a_second_schedule_then_tsan);
    tcase_add_test(tc, derived_seeds_are_stable_and_short);
    tcase_add_test(tc, tsan_report_leads_a_plain_failure);
    tcase_add_test(tc, category_points_shared_by_its_tests);
    return tc;
}
