/* test_public.c - lesson 09's public tests: `make check` runs these. The
 * grader also runs hidden tests of the same kinds. Each of the test's
 * threads has a thread of its own in your process (test_support.h); when a
 * test thread ends, so does its thread in your process, and the tests wait
 * for that before they look at tally_total. */
#include "test_support.h"

/* Seed 001: Thread1 and Thread2 each run fun(5), which adds i to
 * local_data.num for i in 0..4; both print 0, 1, 3, 6, 10. Here the two
 * threads go in lock step, Thread2 one step behind Thread1: at each step
 * both add (Thread2 nothing at the first), then both read tally_mine. */
START_TEST(seed_two_threads_fun5)
{
    harness_gate *g = harness_gate_new(2);
    HARNESS_CHECK(g != NULL, "out of memory in the test");
    stepper s[2];
    for (int k = 0; k < 2; k++) {
        s[k] = (stepper){ .gate = g, .steps = 6 };
        for (int i = 0; i < 6; i++)
            s[k].add[i] = i - k < 5 && i - k >= 0 ? i - k : NO_ADD;
        harness_thread_start(&s[k].thread, stepper_body, &s[k]);
    }
    for (int k = 0; k < 2; k++)
        harness_thread_join(s[k].thread);
    harness_gate_free(g);
    HARNESS_CHECK(!s[0].lost && !s[1].lost, "the two threads lost each other (a call never "
                  "returned?)");
    static const long want[2][6] = { { 0, 1, 3, 6, 10, 10 }, { 0, 0, 1, 3, 6, 10 } };
    for (int i = 0; i < 6; i++)
        for (int k = 0; k < 2; k++)
            HARNESS_CHECK(s[k].mine[i] == want[k][i], "Thread1 and Thread2 each add 0, 1, 2, "
                          "3, 4, one number at a time, Thread2 one step behind. At step %d "
                          "(Thread1 has added %ld in all, Thread2 %ld), Thread%d's tally_mine() "
                          "returned %ld, expected %ld: its own count, not the other thread's "
                          "nor the sum", i + 1, want[0][i], want[1][i], k + 1, s[k].mine[i],
                          want[k][i]);
    wait_exited((int[]){ s[0].tid, s[1].tid }, 2, "Thread1 and Thread2");
    long mine = tally_mine();
    HARNESS_CHECK(mine == 0, "Thread1 and Thread2 added 10 each and exited; the main thread, "
                  "which added nothing, got %ld from tally_mine(), expected 0", mine);
    long total = tally_total();
    HARNESS_CHECK(total == 20, "Thread1 and Thread2 added 10 each and exited; tally_total() "
                  "returned %ld, expected 20 (the counts of exited threads are kept)", total);
}
END_TEST

/* Four threads add and exit; the main thread adds after them. */
START_TEST(exited_threads_still_count)
{
    adder a[4];
    long sum = 0;
    for (int i = 0; i < 4; i++) {
        a[i] = (adder){ .nadd = (size_t)i + 1 };
        for (int j = 0; j <= i; j++)
            a[i].add[j] = (j % 2 ? -1 : 1) * (long)(100 * (i + 1) + j);
        sum += adder_sum(&a[i]);
    }
    run_wave(a, 4, 1);
    long total = tally_total();
    HARNESS_CHECK(total == sum, "4 threads added %ld in all and exited; then tally_total() "
                  "returned %ld, expected %ld: the counts of exited threads must be kept",
                  sum, total, sum);
    tally_add(5);
    long mine = tally_mine();
    HARNESS_CHECK(mine == 5, "4 threads added %ld in all and exited; the main thread added "
                  "5 and tally_mine() returned %ld, expected 5", sum, mine);
    total = tally_total();
    HARNESS_CHECK(total == sum + 5, "4 threads added %ld in all and exited, the main thread "
                  "added 5; tally_total() returned %ld, expected %ld", sum, total, sum + 5);
}
END_TEST

/* Three waves of four threads, each wave started once the previous one
 * has exited: the system usually gives the new threads the old ones' ids. */
START_TEST(new_threads_start_from_zero)
{
    long sum = 0;
    for (int w = 1; w <= 3; w++) {
        adder a[4];
        for (int i = 0; i < 4; i++) {
            a[i] = (adder){ .nadd = 2, .add = { w * 10 + i, 1 } };
            sum += adder_sum(&a[i]);
        }
        run_wave(a, 4, w);
        long total = tally_total();
        HARNESS_CHECK(total == sum, "after %d waves of 4 threads (each added once or twice "
                      "and exited), tally_total() returned %ld, expected %ld", w, total, sum);
    }
}
END_TEST

/* Two threads added and exited, two live ones added and wait, the main
 * thread added: tally_reset from the main thread zeroes all five counts. */
START_TEST(reset_zeroes_every_count)
{
    adder a[2] = { { .nadd = 1, .add = { 40 } }, { .nadd = 1, .add = { 2 } } };
    run_wave(a, 2, 1);
    harness_gate *g = harness_gate_new(3);
    HARNESS_CHECK(g != NULL, "out of memory in the test");
    parked k[2];
    for (int i = 0; i < 2; i++) {
        k[i] = (parked){ .gate = g, .before = 7 * (i + 1) };
        harness_thread_start(&k[i].thread, parked_body, &k[i]);
    }
    tally_add(1000);
    HARNESS_CHECK(harness_gate_wait(g, 5000), "two threads called tally_add and did not "
                  "return within 5 s");
    long total = tally_total();
    HARNESS_CHECK(total == 1063, "counts: 40 and 2 (exited threads), 7 and 14 (live "
                  "threads), 1000 (the main thread); tally_total() returned %ld, expected "
                  "1063", total);
    tally_reset();
    long mine = tally_mine();
    total = tally_total();
    HARNESS_CHECK(harness_gate_wait(g, 5000), "the live threads lost the test");
    HARNESS_CHECK(mine == 0, "the main thread added 1000 and called tally_reset(); then its "
                  "tally_mine() returned %ld, expected 0", mine);
    HARNESS_CHECK(total == 0, "counts: 40 and 2 (exited threads), 7 and 14 (live threads), "
                  "1000 (the main thread); after tally_reset(), tally_total() returned %ld, "
                  "expected 0: reset zeroes the live threads' and the exited threads' counts",
                  total);
    for (int i = 0; i < 2; i++) {
        harness_thread_join(k[i].thread);
        HARNESS_CHECK(!k[i].lost, "a live thread lost the test");
        HARNESS_CHECK(k[i].after_reset == 0, "a live thread added %ld, then the main thread "
                      "called tally_reset(); then the live thread's tally_mine() returned "
                      "%ld, expected 0", k[i].before, k[i].after_reset);
        HARNESS_CHECK(k[i].after_add == 1, "a live thread's count was reset; it added 1 and "
                      "tally_mine() returned %ld, expected 1", k[i].after_add);
    }
    total = tally_total();
    HARNESS_CHECK(total == 2, "after tally_reset() two threads added 1 each; tally_total() "
                  "returned %ld, expected 2", total);
    harness_gate_free(g);
}
END_TEST

/* Four threads add 1 many times in a tight loop while the main thread reads
 * tally_total: under ThreadSanitizer, a count read in tally_total without
 * the lock (or the atomic) its owner writes it under is a data race. Each
 * total read must lie between the last one and the final one.
 * The adders stop half-way, alive and listed, until the main thread has
 * read the total once: that read meets counts their owners wrote with no
 * lock in between, whatever the machine's load (an adder that finished and
 * exited first would hand its count over under the lock, and hide the
 * race). Then they add the rest while the main thread reads on. */
typedef struct looper {
    int times;
    long mine;
    harness_gate *half, *read;
    int tid;
    pthread_t thread;
} looper;

static void *looper_body(void *p)
{
    looper *l = p;
    l->tid = harness_gettid();
    harness_repeat((uint64_t)(l->times / 2));
    tally_add(1);
    HARNESS_CHECK(harness_gate_wait(l->half, 5000) && harness_gate_wait(l->read, 5000),
                  "an adding thread waited 5 s for the others");
    harness_repeat((uint64_t)(l->times - l->times / 2));
    tally_add(1);
    l->mine = tally_mine();
    return NULL;
}

START_TEST(total_while_others_add)
{
    enum { T = 4 };
    int times = harness_under_tsan() ? 2000 : 20000;
    harness_gate *half = harness_gate_new(T + 1), *read = harness_gate_new(T + 1);
    looper l[T];
    for (int i = 0; i < T; i++) {
        l[i] = (looper){ .times = times, .half = half, .read = read };
        harness_thread_start(&l[i].thread, looper_body, &l[i]);
    }
    const long final = (long)T * times;
    HARNESS_CHECK(harness_gate_wait(half, 5000), "the adding threads did not get half-way in 5 s");
    long last = tally_total();
    HARNESS_CHECK(last == (long)T * (times / 2), "%d threads each added 1 %d times and wait; "
                  "tally_total() returned %ld, expected %ld", T, times / 2, last,
                  (long)T * (times / 2));
    HARNESS_CHECK(harness_gate_wait(read, 5000), "the adding threads did not go on");
    for (int round = 0; round < 4; round++) {
        harness_repeat(harness_under_tsan() ? 100 : 500);
        tally_total();
        const harness_repeat_result *r = harness_repeat_results();
        for (size_t i = 0; i < r->nruns; i++) {
            long v = (long)r->runs[i].value;
            HARNESS_CHECK(v >= last && v <= final, "%d threads each add 1 %d times; "
                          "meanwhile tally_total() returned %ld after %ld: a total never "
                          "goes down while counts only grow, nor above %ld", T, times, v,
                          last, final);
            last = v;
        }
    }
    int tids[T];
    for (int i = 0; i < T; i++) {
        harness_thread_join(l[i].thread);
        tids[i] = l[i].tid;
        HARNESS_CHECK(l[i].mine == times, "thread %d added 1 %d times while %d others did "
                      "the same; its tally_mine() returned %ld", i + 1, times, T - 1,
                      l[i].mine);
    }
    /* Their exits (each one's count kept, in your thread-exit code) have all
     * run before this last read: under ThreadSanitizer, counts kept without
     * the lock are a data race with it, or with each other. */
    wait_exited(tids, T, "the adding threads");
    long total = tally_total();
    HARNESS_CHECK(total == final, "%d threads each added 1 %d times and exited; tally_total() "
                  "returned %ld, expected %ld", T, times, total, final);
    harness_gate_free(half);
    harness_gate_free(read);
}
END_TEST

const graded_test public_tests[] = {
    GRADED(seed_two_threads_fun5, "functional"),
    GRADED(exited_threads_still_count, "functional"),
    GRADED(new_threads_start_from_zero, "functional"),
    GRADED(reset_zeroes_every_count, "functional"),
    GRADED(total_while_others_add, "race"),
    { 0 }
};
