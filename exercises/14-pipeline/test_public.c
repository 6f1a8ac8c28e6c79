/* test_public.c - lesson 14's public tests: `make check` runs these.
 * The grader also runs hidden tests of the same kinds. The tests' fetch and
 * pack (test_support.h) record what your pipeline does with them. Most
 * tests run in virtual time (harness.h): a fetch that "downloads" for 1 s
 * costs no real time, and the clock moves only when every thread waits, so
 * what each thread did before it is certain, whatever the machine's load. */
#include "test_support.h"

START_TEST(xml_one_document)
{
    check_xml("seed 000's quotes", "Date,Open,Close\n2015-01-05,10.5,10.8\n2015-01-06,10.8,11\n",
              "<data><row><Date>2015-01-05</Date><Open>10.5</Open><Close>10.8</Close></row>"
              "<row><Date>2015-01-06</Date><Open>10.8</Open><Close>11</Close></row></data>");
}
END_TEST

START_TEST(xml_escapes_and_quotes)
{
    check_xml("& < > in values", "Name,Expr\nA&B,1<2>0\n",
              "<data><row><Name>A&amp;B</Name><Expr>1&lt;2&gt;0</Expr></row></data>");
    check_xml("a quoted field with a comma", "Name,Price\n\"Ping An, Bank\",\"1,024.5\"\n",
              "<data><row><Name>Ping An, Bank</Name><Price>1,024.5</Price></row></data>");
    check_xml("\"\" inside quotes is one quote", "Say\n\"he said \"\"hi\"\"\"\n",
              "<data><row><Say>he said \"hi\"</Say></row></data>");
}
END_TEST

START_TEST(xml_header_spaces_and_short_rows)
{
    check_xml("spaces removed from header names", "Close Price, Volume ,Turn Over Rate\n1,2,3\n",
              "<data><row><ClosePrice>1</ClosePrice><Volume>2</Volume>"
              "<TurnOverRate>3</TurnOverRate></row></data>");
    check_xml("a short row gets fewer elements", "A,B,C\n1,2\n4\n",
              "<data><row><A>1</A><B>2</B></row><row><A>4</A></row></data>");
    check_xml("extra fields are ignored, empty ones kept", "A,B\n1,,3,4\n,\n",
              "<data><row><A>1</A><B></B></row><row><A></A><B></B></row></data>");
    check_xml("\\r\\n line ends and empty lines", "A,B\r\n1,2\r\n\r\n\n3,4\r\n",
              "<data><row><A>1</A><B>2</B></row><row><A>3</A><B>4</B></row></data>");
}
END_TEST

/* Seven documents in batches of 3: packs of 3, 3 and 1, each document once. */
START_TEST(every_document_packed_once)
{
    harness_virtual_time(true);
    run_reset(7, 3);
    for (size_t i = 0; i < R.n; i++)
        R.docs[i].delay_ms = (double)(i * 37 % 5) * 10;
    int rc = run_here();
    check_run("run_pipeline(7 sids, batch 3)", rc);
}
END_TEST

/* A download that fails (fetch returns NULL) is skipped; the others are
 * packed, then run_pipeline returns EIO. The failure comes first. */
START_TEST(failed_download_gives_eio)
{
    harness_virtual_time(true);
    run_reset(5, 2);
    R.docs[2].fails = true;
    for (size_t i = 0; i < R.n; i++)
        R.docs[i].delay_ms = i == 2 ? 0 : 10 + (double)i;
    int rc = run_here();
    check_run("run_pipeline(5 sids, batch 2) where fetch of the 3rd returns NULL", rc);
}
END_TEST

START_TEST(batch_zero_is_einval)
{
    harness_virtual_time(true);
    run_reset(3, 0);
    int rc = run_here();
    ck_assert_msg(rc == EINVAL, "run_pipeline(3 sids, batch 0) returned %d, expected EINVAL "
                  "(%d)", rc, EINVAL);
    ck_assert_msg(atomic_load(&R.npacks) == 0, "run_pipeline(3 sids, batch 0) called pack");
    for (size_t i = 0; i < R.n; i++)
        ck_assert_msg(atomic_load(&R.docs[i].fetched) == 0, "run_pipeline(3 sids, batch 0) "
                      "called fetch: return EINVAL before starting anything");
}
END_TEST

/* Six downloads of 1 s each: one thread each, all at once, so all six are
 * in fetch together and the whole run takes 1 s, not 6. */
START_TEST(downloads_overlap)
{
    harness_virtual_time(true);
    run_reset(6, 4);
    for (size_t i = 0; i < R.n; i++)
        R.docs[i].delay_ms = 1000;
    double t0 = harness_now_ms();
    int rc = run_here();
    double took = harness_now_ms() - t0;
    check_run("run_pipeline(6 sids, batch 4), each fetch taking 1000 ms", rc);
    int max = atomic_load(&R.max_in_flight);
    ck_assert_msg(max == 6, "6 downloads of 1000 ms each: at most %d were in fetch at the same "
                  "time and the run took %.0f ms; start one thread per download, all of them "
                  "before waiting for any", max, took);
    ck_assert_msg(took < 1500, "6 downloads of 1000 ms each, all at once, took %.0f ms "
                  "(expected 1000)", took);
}
END_TEST

/* The converter waits while pack runs (seed 002: the converter sets cEvent
 * and waits on tEvent). Two documents arrive at once and fill the first
 * batch; the other four arrive 100 ms later, while that pack still runs
 * (it takes 200 ms): none of them may be converted before it returns. */
START_TEST(converter_waits_during_pack)
{
    harness_virtual_time(true);
    run_reset(6, 2);
    for (size_t i = 2; i < R.n; i++)
        R.docs[i].delay_ms = 100;
    R.pack_hold_ms = 200;
    R.watch_converter = true;
    int rc = run_here();
    check_run("run_pipeline(6 sids, batch 2), pack taking 200 ms", rc);
}
END_TEST

const graded_test public_tests[] = {
    GRADED(xml_one_document, "functional"),
    GRADED(xml_escapes_and_quotes, "functional"),
    GRADED(xml_header_spaces_and_short_rows, "functional"),
    GRADED_VIRTUAL(every_document_packed_once, "functional"),
    GRADED_VIRTUAL(failed_download_gives_eio, "functional"),
    GRADED_VIRTUAL(batch_zero_is_einval, "functional"),
    GRADED_VIRTUAL(downloads_overlap, "timing"),
    GRADED_VIRTUAL(converter_waits_during_pack, "ordering"),
    { 0 }
};
