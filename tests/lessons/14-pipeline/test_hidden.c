/* test_hidden.c - lesson 14's hidden tests: the edges of the XML rules,
 * batch sizes and failed downloads, the threads each part runs on, the
 * converter held still during every pack, and many documents at once (race,
 * under ThreadSanitizer too) and in real time with the engine holding
 * lost wake-up windows open (deadlock). */
#include "test_support.h"

START_TEST(xml_edges)
{
    check_xml("an empty document", "", "<data></data>");
    check_xml("a header and no rows", "A,B\n", "<data></data>");
    check_xml("no newline at the end", "A,B\n1,2", "<data><row><A>1</A><B>2</B></row></data>");
    check_xml("no newline at the end after \\r\\n rows", "A\r\n1\r\n2",
              "<data><row><A>1</A></row><row><A>2</A></row></data>");
    check_xml("spaces inside values are kept", "A,B\n a , b c \n",
              "<data><row><A> a </A><B> b c </B></row></data>");
    check_xml("an empty quoted field and a quoted quote", "A,B,C\n\"\",\"\"\"\",x\n",
              "<data><row><A></A><B>\"</B><C>x</C></row></data>");
    check_xml("a quoted field with & and <>", "A\n\"<a href=\"\"x\"\">&</a>\"\n",
              "<data><row><A>&lt;a href=\"x\"&gt;&amp;&lt;/a&gt;</A></row></data>");
    check_xml("a quoted header name with a space", "\"Trade Date\",Low\n1,2\n",
              "<data><row><TradeDate>1</TradeDate><Low>2</Low></row></data>");
    check_xml("a trailing empty field", "A,B,C\n1,2,\n",
              "<data><row><A>1</A><B>2</B><C></C></row></data>");
    check_xml("a header of one name", "Close\n7\n8\n9\n",
              "<data><row><Close>7</Close></row><row><Close>8</Close></row>"
              "<row><Close>9</Close></row></data>");
    check_xml("the last field quoted, then \\r\\n", "A,B\r\n1,\"x,y\"\r\n",
              "<data><row><A>1</A><B>x,y</B></row></data>");
}
END_TEST

/* Whole stock documents like the pipeline's: quoted prices with commas,
 * & and <> in notes, "" in quotes, \n or \r\n. */
START_TEST(xml_stock_documents)
{
    run_reset(6, 1);
    for (size_t i = 0; i < R.n; i++) {
        char what[64];
        snprintf(what, sizeof what, "stock document %zu (sid %u)", i + 1, R.docs[i].sid);
        check_xml(what, R.docs[i].csv, R.docs[i].xml);
    }
}
END_TEST

/* Batches of every shape: n a multiple of batch (no empty or repeated
 * pack at the end), batch larger than n, batch 1, and no sids at all. */
START_TEST(batch_sizes)
{
    harness_virtual_time(true);
    static const size_t shapes[][2] = { { 6, 3 }, { 4, 10 }, { 5, 1 }, { 8, 8 }, { 9, 4 } };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        run_reset(shapes[s][0], shapes[s][1]);
        for (size_t i = 0; i < R.n; i++)
            R.docs[i].delay_ms = (double)((i * 5 + s) % 4) * 20;
        char what[64];
        snprintf(what, sizeof what, "run_pipeline(%zu sids, batch %zu)", R.n, R.batch);
        int rc = run_here();
        check_run(what, rc);
    }
    run_reset(0, 3);
    int rc = run_here();
    check_run("run_pipeline(0 sids, batch 3)", rc);
}
END_TEST

/* Failed downloads anywhere: first, last, several, every one. */
START_TEST(failed_downloads_everywhere)
{
    harness_virtual_time(true);
    run_reset(7, 3);
    R.docs[0].fails = R.docs[3].fails = R.docs[6].fails = true;
    for (size_t i = 0; i < R.n; i++)
        R.docs[i].delay_ms = (double)(R.n - i) * 10; /* the last arrives first */
    int rc = run_here();
    check_run("run_pipeline(7 sids, batch 3), fetch of the 1st, 4th and 7th returning NULL "
              "(the 7th arriving first)", rc);

    run_reset(4, 2);
    R.docs[1].fails = true;
    R.docs[1].delay_ms = 50; /* after the others: the last one in */
    rc = run_here();
    check_run("run_pipeline(4 sids, batch 2), fetch of the 2nd returning NULL last", rc);

    run_reset(3, 2);
    for (size_t i = 0; i < R.n; i++)
        R.docs[i].fails = true;
    rc = run_here();
    check_run("run_pipeline(3 sids, batch 2), every fetch returning NULL", rc);
}
END_TEST

/* Thread creations that fail: run_pipeline returns the error, after
 * joining every thread it started and freeing every string fetch
 * returned; nothing is packed twice or empty. (Virtual time: a thread left
 * waiting for ever is reported at once.) */
static void check_creation_failure(const char *which)
{
    for (size_t i = 0; i < R.n; i++)
        R.docs[i].delay_ms = 50;
    R.caller = harness_thread_id();
    int rc = run_pipeline(run_sids(), R.n, R.batch, test_fetch, test_pack, &R);
    harness_fail_create(-1, 0);
    ck_assert_msg(!R.why[0], "run_pipeline(6 sids, batch 2) with %s failing: %s", which, R.why);
    ck_assert_msg(rc == EAGAIN, "run_pipeline(6 sids, batch 2): %s failed with EAGAIN, but "
                  "run_pipeline returned %d", which, rc);
    ck_assert_msg(harness_unjoined_threads() == 0, "run_pipeline(6 sids, batch 2) returned with "
                  "threads not joined after %s failed", which);
    uint64_t left = pipeline_probe(PROBE_NOT_FREED);
    ck_assert_msg(left == 0, "run_pipeline(6 sids, batch 2), %s failing: %llu of the strings "
                  "fetch returned were never freed", which, (unsigned long long)left);
}

START_TEST(thread_creation_fails)
{
    harness_virtual_time(true);
    /* 8 creations: packer, converter and 6 downloads, in some order; the
     * 3rd to 6th is a download's whatever the order. It fails once the
     * threads started before it wait. */
    run_reset(6, 2);
    char which[64];
    int k = harness_fail_create_seeded(2, 5, EAGAIN);
    snprintf(which, sizeof which, "pthread_create number %d (of 8)", k + 1);
    check_creation_failure(which);
    run_reset(6, 2);
    harness_fail_create(0, EAGAIN);
    check_creation_failure("the first pthread_create");
}
END_TEST

/* Each part on its own thread: each download on a thread of its own (not
 * the caller's), every pack on one packer thread, neither the caller's nor
 * a download's. */
START_TEST(each_part_on_its_own_thread)
{
    harness_virtual_time(true);
    run_reset(7, 3);
    for (size_t i = 0; i < R.n; i++)
        R.docs[i].delay_ms = 10 + (double)(i % 3) * 10;
    int rc = run_here();
    check_run("run_pipeline(7 sids, batch 3)", rc);
    for (size_t i = 0; i < R.n; i++) {
        int t = atomic_load(&R.docs[i].fetch_thread);
        ck_assert_msg(t != R.caller, "fetch(%u) ran on the thread that called run_pipeline: "
                      "each download runs on a thread of its own", R.docs[i].sid);
        for (size_t j = 0; j < i; j++)
            ck_assert_msg(t != atomic_load(&R.docs[j].fetch_thread), "fetch(%u) and fetch(%u) "
                          "ran on the same thread: one thread per download", R.docs[j].sid,
                          R.docs[i].sid);
    }
    int npacks = atomic_load(&R.npacks);
    for (int k = 0; k < npacks && k < PACKS_MAX; k++) {
        int t = R.pack_thread[k];
        ck_assert_msg(t != R.caller, "pack ran on the thread that called run_pipeline: the "
                      "packer is a thread of its own");
        ck_assert_msg(t == R.pack_thread[0], "pack calls 1 and %d ran on different threads: "
                      "one packer thread makes every pack", k + 1);
        for (size_t i = 0; i < R.n; i++)
            ck_assert_msg(t != atomic_load(&R.docs[i].fetch_thread), "pack ran on the thread "
                          "that downloaded sid %u: the packer is a thread of its own",
                          R.docs[i].sid);
    }
}
END_TEST

/* Documents keep arriving, one every 30 ms, while each pack takes 70 ms:
 * the converter must hold still during every one of them. */
START_TEST(converter_waits_during_every_pack)
{
    harness_virtual_time(true);
    run_reset(12, 3);
    for (size_t i = 0; i < R.n; i++)
        R.docs[i].delay_ms = (double)i * 30;
    R.pack_hold_ms = 70;
    R.watch_converter = true;
    int rc = run_here();
    check_run("run_pipeline(12 sids arriving 30 ms apart, batch 3), each pack taking 70 ms",
              rc);
}
END_TEST

/* Downloads of different lengths still all start at once: the longest
 * decides the run's time. */
START_TEST(downloads_overlap_uneven)
{
    harness_virtual_time(true);
    run_reset(9, 2);
    for (size_t i = 0; i < R.n; i++)
        R.docs[i].delay_ms = 200 + (double)((i * 7) % 9) * 100; /* 200 .. 1000 ms */
    double t0 = harness_now_ms();
    int rc = run_here();
    double took = harness_now_ms() - t0;
    check_run("run_pipeline(9 sids, batch 2), fetches taking 200 to 1000 ms", rc);
    int max = atomic_load(&R.max_in_flight);
    ck_assert_msg(max == 9, "9 downloads: at most %d were in fetch at the same time (the run "
                  "took %.0f ms, the longest download 1000 ms); start one thread per download, "
                  "all of them before waiting for any", max, took);
    ck_assert_msg(took < 1100, "9 downloads of at most 1000 ms each, all at once, took %.0f ms",
                  took);
}
END_TEST

/* Many documents, all at once, in real time: every one packed once, and
 * ThreadSanitizer watching the queue and the batch. Each fetch returns only
 * once all have begun, so no download thread's hand-over is ordered before
 * another's by its creation: two that touch the queue without the lock
 * race in every run. */
START_TEST(many_documents_at_once)
{
    size_t n = harness_under_tsan() ? 16 : 32;
    run_reset(n, 5);
    R.hold_fetches = true;
    char what[64];
    snprintf(what, sizeof what, "run_pipeline(%zu sids, batch 5)", n);
    int rc = run_watched(what);
    check_run(what, rc);
}
END_TEST

/* Real time, with the engine holding every condition wait's lost wake-up
 * window open (a thread's first waits pause before they sleep, until the
 * mutex is wanted or a signal comes): documents in small waves, batches
 * that fill mid-wave. Several short pipelines, each with fresh threads
 * whose first waits are all held open. */
START_TEST(finishes_with_waves_of_documents)
{
    static const size_t shapes[][2] = { { 14, 4 }, { 3, 2 }, { 6, 3 }, { 5, 5 } };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        run_reset(shapes[s][0], shapes[s][1]);
        for (size_t i = 0; i < R.n; i++)
            R.docs[i].delay_ms = s == 0 ? (double)(i % 3) * 2 : 0;
        char what[64];
        snprintf(what, sizeof what, "run_pipeline(%zu sids, batch %zu)", R.n, R.batch);
        int rc = run_watched(what);
        check_run(what, rc);
    }
}
END_TEST

const graded_test hidden_tests[] = {
    GRADED(xml_edges, "functional"),
    GRADED(xml_stock_documents, "functional"),
    GRADED_VIRTUAL(batch_sizes, "functional"),
    GRADED_VIRTUAL(failed_downloads_everywhere, "functional"),
    GRADED_VIRTUAL(thread_creation_fails, "functional"),
    GRADED_VIRTUAL(each_part_on_its_own_thread, "ordering"),
    GRADED_VIRTUAL(converter_waits_during_every_pack, "ordering"),
    GRADED_VIRTUAL(downloads_overlap_uneven, "timing"),
    GRADED(many_documents_at_once, "race"),
    GRADED(finishes_with_waves_of_documents, "deadlock"),
    { 0 }
};
