/* test_pool.c - pool_run_until's early stop (grader/src/pool.c) and
 * sbx_cancel (sandbox/sandbox.c): the test runs made ahead of time that a
 * failing first run makes unwanted end at once, not at their own limits;
 * and pool_run's exclusive pieces (timing tests): alone, and first. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../grader/src/pool.h"
#include "../../grader/src/util.h"
#include "../../sandbox/sandbox.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Piece 0 answers at once with {"ok": false}; the others run a sandboxed
 * `sleep 20`, which only a cancel ends early. */
static json_t *piece(size_t i, FILE *progress, void *ctx)
{
    (void)progress;
    (void)ctx;
    if (i == 0)
        return json_pack("{s:b}", "ok", 0);
    const char *argv[] = { "/bin/sh", "-c", "sleep 20", NULL };
    /* .sanitizer: no RLIMIT_AS, which this ASan binary's child needs */
    sbx_spec spec = { .argv = argv, .workdir = "/", .wall_ms = 30000, .pass_fd = -1,
                      .sanitizer = true };
    sbx_result res;
    if (sbx_run(&spec, &res) != 0)
        return NULL;
    json_t *j = json_pack("{s:b, s:b, s:f}", "ok", 1, "cancelled", res.cancelled, "wall_ms",
                          res.wall_ms);
    sbx_result_free(&res);
    return j;
}

static bool stop_unless_ok(size_t i, const json_t *result, void *ctx)
{
    (void)i;
    (void)ctx;
    return !json_is_true(json_object_get(result, "ok"));
}

static bool never_stop(size_t i, const json_t *result, void *ctx)
{
    (void)i;
    (void)result;
    (void)ctx;
    return false;
}

START_TEST(a_failing_piece_cancels_the_rest)
{
    json_t *results[4] = { 0 };
    char *failures[4] = { 0 };
    double t0 = now_s();
    /* 2 at once: piece 1 is running when piece 0 is in, 2 and 3 never start. */
    pool_run_until(4, 2, piece, NULL, stop_unless_ok, sbx_cancel, "piece", results, failures);
    double took = now_s() - t0;
    ck_assert_msg(took < 5, "the cancelled pieces ran on (%.1f s)", took);
    ck_assert_ptr_nonnull(results[0]);
    ck_assert_ptr_null(failures[0]);
    for (int i = 1; i < 4; i++) {
        ck_assert_ptr_null(results[i]);
        ck_assert_str_eq(failures[i], "cancelled");
    }
    for (int i = 0; i < 4; i++) {
        json_decref(results[i]);
        free(failures[i]);
    }
}
END_TEST

/* A stop that never says so changes nothing: every piece's own result. */
START_TEST(no_stop_every_result)
{
    json_t *results[2] = { 0 };
    char *failures[2] = { 0 };
    /* Piece 1 would sleep 20 s: cancel it by hand once it runs, through the
     * same handler, to see that a cancelled run says so. */
    pid_t me = getpid();
    pid_t killer = fork();
    if (killer == 0) {
        sleep(1);
        /* every child of ours that is a pool piece gets the signal */
        char cmd[64];
        snprintf(cmd, sizeof cmd, "pkill -USR1 -P %d", (int)me);
        _exit(system(cmd) == 0 ? 0 : 1);
    }
    pool_run_until(2, 2, piece, NULL, never_stop, sbx_cancel, "piece", results, failures);
    ck_assert_ptr_nonnull(results[0]);
    ck_assert_ptr_nonnull(results[1]);
    char *dump = json_dumps(results[1], 0);
    ck_assert_msg(json_is_true(json_object_get(results[1], "cancelled")) &&
                      json_number_value(json_object_get(results[1], "wall_ms")) < 5000,
                  "piece 1: %s", dump);
    free(dump);
    for (int i = 0; i < 2; i++) {
        json_decref(results[i]);
        free(failures[i]);
    }
    waitpid(killer, NULL, 0);
}
END_TEST

/* Each piece sleeps 50 ms between two time stamps, its index in its JSON. */
static json_t *timed_piece(size_t i, FILE *progress, void *ctx)
{
    (void)ctx;
    fprintf(progress, "piece %zu\n", i);
    double t0 = now_s();
    struct timespec nap = { 0, 50 * 1000000L };
    nanosleep(&nap, NULL);
    return json_pack("{s:i, s:f, s:f}", "i", (int)i, "start", t0, "end", now_s());
}

/* Exclusive pieces run alone, before the others; every result is its
 * own piece's, in index order, and progress comes in index order too. */
START_TEST(exclusive_pieces_alone_and_first)
{
    enum { N = 7 };
    const bool exclusive[N] = { false, true, false, false, true, false, false };
    json_t *results[N] = { 0 };
    char *failures[N] = { 0 };
    char *text = NULL;
    size_t len = 0;
    FILE *progress = open_memstream(&text, &len);
    pool_run(N, 2, exclusive, timed_piece, NULL, "piece", progress, results, failures);
    fclose(progress);
    double start[N], end[N];
    for (int i = 0; i < N; i++) {
        ck_assert_msg(results[i] != NULL, "piece %d: %s", i, failures[i] ? failures[i] : "?");
        ck_assert_int_eq(json_integer_value(json_object_get(results[i], "i")), i);
        start[i] = json_real_value(json_object_get(results[i], "start"));
        end[i] = json_real_value(json_object_get(results[i], "end"));
    }
    for (int i = 0; i < N; i++) {
        if (!exclusive[i])
            continue;
        for (int j = 0; j < N; j++) {
            if (j == i)
                continue;
            ck_assert_msg(end[j] <= start[i] || start[j] >= end[i],
                          "piece %d ran beside exclusive piece %d", j, i);
            if (!exclusive[j])
                ck_assert_msg(end[i] <= start[j], "piece %d started before exclusive piece %d",
                              j, i);
        }
    }
    ck_assert_str_eq(text, "piece 0\npiece 1\npiece 2\npiece 3\npiece 4\npiece 5\npiece 6\n");
    free(text);
    for (int i = 0; i < N; i++) {
        json_decref(results[i]);
        free(failures[i]);
    }
}
END_TEST

TCase *pool_tcase(void)
{
    TCase *tc = tcase_create("pool");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, a_failing_piece_cancels_the_rest);
    tcase_add_test(tc, no_stop_every_result);
    tcase_add_test(tc, exclusive_pieces_alone_and_first);
    return tc;
}
