/* test_public.c - lesson 23's public tests: `make check` runs these. The
 * grader also runs hidden tests of the same kinds. The frames, the read of
 * your pipes and the checks of what a subscriber got are in test_support.h;
 * the helpers every lesson uses in grader/harness/harness.h.
 *
 * In some tests the grader makes your writes to the pipes behave as full
 * pipes do: a non-blocking write fails with EAGAIN (the second one on each
 * pipe always, later ones one time in eight). A write of at most PIPE_BUF
 * bytes to a pipe is still all or nothing, as POSIX says.
 */
#include "harness.h"
#include "test_support.h"

/* Two subscribers that read everything: every frame, whole and in order,
 * payloads from 1 byte to FRAME_MAX. A hub with no subscriber: count 0. */
START_TEST(frames_intact_in_order)
{
    static frames f;
    static unsigned char buf[2][1 << 18];
    static sub_got g[2];
    frames_init(&f);
    hub_t *h = new_ok();
    size_t c = publish_frame(h, &f, 10, 1);
    HARNESS_CHECK(c == 0, "hub_publish on a hub with no subscriber returned %zu, expected 0", c);
    for (int s = 0; s < 2; s++)
        sub_init(&g[s], subscribe_ok(h), &f, buf[s], sizeof buf[s]);
    enum { N = 40 };
    for (size_t k = 0; k < N; k++) {
        size_t len = k == 0 ? 1 : k == 1 ? FRAME_MAX : 1 + harness_rand() % FRAME_MAX;
        c = publish_frame(h, &f, len, 1);
        HARNESS_CHECK(c == 2, "hub_publish of a %zu-byte frame to 2 subscribers whose pipes "
                      "had room returned %zu, expected 2", len, c);
        for (int s = 0; s < 2; s++) /* read at once: the pipes never fill */
            sub_take(&g[s], s == 0 ? "subscriber 1" : "subscriber 2");
    }
    for (int s = 0; s < 2; s++) {
        sub_take(&g[s], s == 0 ? "subscriber 1" : "subscriber 2");
        CHECK_SUB(&f, &g[s], true, s == 0 ? "subscriber 1" : "subscriber 2");
    }
    hub_unsubscribe(h, g[0].fd);
    hub_unsubscribe(h, g[1].fd);
    hub_free(h);
}
END_TEST

/* A subscriber that never reads: its pipe fills after a few frames, and
 * publishing 256 more must go on at full speed (the frames it cannot take
 * it skips). What it did get is whole frames, in order, and each count is
 * right. */
START_TEST(slow_subscriber_never_stalls)
{
    static frames f;
    static unsigned char buf[1 << 20];
    static sub_got g;
    static publisher pub;
    frames_init(&f);
    hub_t *h = new_ok();
    sub_init(&g, subscribe_ok(h), &f, buf, sizeof buf);
    pub = (publisher){ .h = h, .f = &f, .calls = 256, .len = FRAME_MAX };
    publish_watched(&pub, 1500, 5000, "to a subscriber that never reads: its pipe full after "
                    "about 16 frames");
    sub_take(&g, "the subscriber that never read");
    CHECK_SUB(&f, &g, false, "the subscriber that never read");
    HARNESS_CHECK(g.frames > 0, "the subscriber that never read got no frame at all, though "
                  "its pipe was empty when the first was published");
    sub_got *subs[] = { &g };
    check_counts(&f, subs, 1);
    hub_unsubscribe(h, g.fd);
    hub_free(h);
}
END_TEST

/* Faults on: writes to the pipes fail with EAGAIN as on full pipes. Each
 * frame reaches a subscriber whole or not at all, and hub_publish counts
 * exactly the subscribers it reached. */
START_TEST(full_pipe_skips_whole_frames)
{
    static frames f;
    static unsigned char buf[2][1 << 16];
    static sub_got g[2];
    frames_init(&f);
    io_faults(true);
    hub_t *h = new_ok();
    for (int s = 0; s < 2; s++)
        sub_init(&g[s], subscribe_ok(h), &f, buf[s], sizeof buf[s]);
    for (size_t k = 0; k < 30; k++)
        publish_frame(h, &f, 8 + harness_rand() % 400, 1);
    for (int s = 0; s < 2; s++) {
        sub_take(&g[s], s == 0 ? "subscriber 1" : "subscriber 2");
        CHECK_SUB(&f, &g[s], false, s == 0 ? "subscriber 1" : "subscriber 2");
    }
    sub_got *subs[] = { &g[0], &g[1] };
    check_counts(&f, subs, 2);
    hub_unsubscribe(h, g[0].fd);
    hub_unsubscribe(h, g[1].fd);
    hub_free(h);
}
END_TEST

/* Publish A, subscribe, publish B: the new subscriber gets B only. */
START_TEST(late_subscriber_gets_only_new_frames)
{
    static frames f;
    static unsigned char buf[2][1 << 16];
    static sub_got g[2];
    frames_init(&f);
    hub_t *h = new_ok();
    sub_init(&g[0], subscribe_ok(h), &f, buf[0], sizeof buf[0]);
    size_t c = publish_frame(h, &f, 100, 1);
    HARNESS_CHECK(c == 1, "hub_publish with 1 subscriber returned %zu, expected 1", c);
    sub_init(&g[1], subscribe_ok(h), &f, buf[1], sizeof buf[1]);
    c = publish_frame(h, &f, 200, 1);
    HARNESS_CHECK(c == 2, "hub_publish with 2 subscribers returned %zu, expected 2", c);
    sub_take(&g[1], "the subscriber that joined between the two frames");
    CHECK_SUB(&f, &g[1], true, "the subscriber that joined between the two frames");
    sub_take(&g[0], "the first subscriber");
    CHECK_SUB(&f, &g[0], true, "the first subscriber");
    hub_unsubscribe(h, g[0].fd);
    hub_unsubscribe(h, g[1].fd);
    hub_free(h);
}
END_TEST

const graded_test public_tests[] = {
    GRADED(frames_intact_in_order, "functional"),
    GRADED(full_pipe_skips_whole_frames, "functional"),
    GRADED(slow_subscriber_never_stalls, "deadlock"),
    GRADED(late_subscriber_gets_only_new_frames, "ordering"),
    { 0 }
};
