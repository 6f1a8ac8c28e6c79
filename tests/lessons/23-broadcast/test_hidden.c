/* test_hidden.c - lesson 23's hidden tests (not in the student handout).
 * Helpers: grader/harness/harness.h and exercises/23-broadcast/test_support.h.
 *
 * Every verdict rests on what the judge sees: hub_publish's counts, the raw
 * bytes on each subscriber's pipe (read in the subject with the real read()
 * and sent back unjudged), the engine's book of descriptors. How each bug
 * class is caught, every run:
 *   - a blocking write, or a retry on EAGAIN: a subscriber that never reads
 *     fills its pipe (64 KB) within 16 frames; publishing 256 (public) or
 *     3200 more must go on, each call within 1.5 s and all within 5 s
 *     (slow_subscriber_never_stalls, slow_and_fast_subscribers);
 *   - a frame in two writes: with the engine's EAGAIN faults the second
 *     write on each pipe always fails, so the second write of frame 1 does
 *     and the pipe holds a length without its payload
 *     (full_pipe_skips_whole_frames, counts_follow_joins_and_leaves);
 *   - a count that is not the subscribers reached: each frame's count vs
 *     the subscribers whose bytes hold it whole, with EAGAIN on the second
 *     write of every pipe (same tests);
 *   - subscribe/unsubscribe racing with publish: two threads subscribe,
 *     read and unsubscribe while a third publishes, under ThreadSanitizer
 *     and the engine's schedule noise (churn_while_publishing);
 *   - frames from before a subscriber joined: publish, subscribe, publish
 *     (late_subscriber_gets_only_new_frames), and a pipe given out again
 *     after hub_unsubscribe (new_pipe_after_unsubscribe);
 *   - fd leaks: the book's count of open descriptors after hub_unsubscribe
 *     (two fewer) and hub_free (back to before hub_new)
 *     (unsubscribe_and_free_close_pipes);
 *   - frames lost, reordered or garbled with fast readers and no faults
 *     (frames_intact_in_order).
 */
#include "harness.h"
#include "test_support.h"

/* Faults on, 3 subscribers; one joins and one leaves half-way. Each
 * frame's count is the number of subscribers whose pipe holds it whole. */
START_TEST(counts_follow_joins_and_leaves)
{
    static frames f;
    static unsigned char buf[3][1 << 16];
    static sub_got g[3];
    frames_init(&f);
    io_faults(true);
    hub_t *h = new_ok();
    sub_init(&g[0], subscribe_ok(h), &f, buf[0], sizeof buf[0]);
    sub_init(&g[1], subscribe_ok(h), &f, buf[1], sizeof buf[1]);
    for (int k = 0; k < 20; k++)
        publish_frame(h, &f, 8 + harness_rand() % 300, 1);
    sub_init(&g[2], subscribe_ok(h), &f, buf[2], sizeof buf[2]);
    for (int k = 0; k < 20; k++)
        publish_frame(h, &f, 8 + harness_rand() % 300, 1);
    sub_take(&g[0], "subscriber 1 (it left after 40 frames)");
    hub_unsubscribe(h, g[0].fd);
    for (int k = 0; k < 20; k++)
        publish_frame(h, &f, 8 + harness_rand() % 300, 1);
    const char *what[3] = { "subscriber 1 (it left after 40 frames)", "subscriber 2",
                            "subscriber 3 (it joined after 20 frames)" };
    for (int s = 0; s < 3; s++) {
        if (s > 0)
            sub_take(&g[s], what[s]);
        CHECK_SUB(&f, &g[s], false, what[s]);
    }
    sub_got *subs[] = { &g[0], &g[1], &g[2] };
    check_counts(&f, subs, 3);
    hub_unsubscribe(h, g[1].fd);
    hub_unsubscribe(h, g[2].fd);
    hub_free(h);
}
END_TEST

/* hub_unsubscribe closes both ends of that subscriber's pipe; hub_free
 * closes every subscriber's: the engine's book of the descriptors your
 * code opened says how many are still open. */
START_TEST(unsubscribe_and_free_close_pipes)
{
    static frames f;
    static unsigned char buf[1 << 16];
    static sub_got g;
    frames_init(&f);
    uint64_t before = io_look().open_fds;
    hub_t *h = new_ok();
    int fd[3];
    for (int s = 0; s < 3; s++)
        fd[s] = subscribe_ok(h);
    sub_init(&g, fd[0], &f, buf, sizeof buf);
    size_t c = publish_frame(h, &f, 50, 1);
    HARNESS_CHECK(c == 3, "hub_publish with 3 subscribers returned %zu, expected 3", c);
    uint64_t mid = io_look().open_fds;
    hub_unsubscribe(h, fd[1]);
    uint64_t after = io_look().open_fds;
    HARNESS_CHECK(after + 2 <= mid, "hub_unsubscribe closed %lld of the 2 descriptors of the "
                  "subscriber's pipe: close both ends, the read end the subscriber had and "
                  "your write end", (long long)mid - (long long)after);
    c = publish_frame(h, &f, 60, 1);
    HARNESS_CHECK(c == 2, "after hub_unsubscribe of 1 of 3 subscribers, hub_publish returned "
                  "%zu, expected 2", c);
    sub_take(&g, "subscriber 1");
    CHECK_SUB(&f, &g, true, "subscriber 1");
    hub_free(h);
    uint64_t end = io_look().open_fds;
    HARNESS_CHECK(end == before, "hub_free (with 2 subscribers left) left %lld descriptor%s "
                  "your code opened still open: close both ends of every subscriber's pipe. "
                  "Still open: %s", (long long)end - (long long)before,
                  end == before + 1 ? "" : "s", harness_fds_where(0));
}
END_TEST

/* A subscriber removed with frames unread; the next one (its descriptor
 * number may be the same) gets a new, empty pipe. */
START_TEST(new_pipe_after_unsubscribe)
{
    static frames f;
    static unsigned char buf[2][1 << 16];
    static sub_got g[2];
    frames_init(&f);
    hub_t *h = new_ok();
    int old = subscribe_ok(h);
    publish_frame(h, &f, 120, 1);
    publish_frame(h, &f, 130, 1);
    hub_unsubscribe(h, old);
    sub_init(&g[0], subscribe_ok(h), &f, buf[0], sizeof buf[0]);
    sub_take(&g[0], "a subscriber that joined after another left with 2 frames unread");
    HARNESS_CHECK(g[0].len == 0, "a new subscriber's pipe held %zu bytes before any frame was "
                  "published after it joined (another subscriber had left with 2 frames "
                  "unread): each subscriber gets a new pipe, empty", g[0].len);
    size_t c = publish_frame(h, &f, 140, 1);
    HARNESS_CHECK(c == 1, "hub_publish with 1 subscriber returned %zu, expected 1", c);
    sub_init(&g[1], subscribe_ok(h), &f, buf[1], sizeof buf[1]);
    sub_take(&g[1], "a subscriber that joined after 3 frames");
    HARNESS_CHECK(g[1].len == 0, "a new subscriber's pipe held %zu bytes before any frame was "
                  "published after it joined: it gets only frames published from then on",
                  g[1].len);
    c = publish_frame(h, &f, 150, 1);
    HARNESS_CHECK(c == 2, "hub_publish with 2 subscribers returned %zu, expected 2", c);
    sub_take(&g[0], "a subscriber that joined after another left with 2 frames unread");
    CHECK_SUB(&f, &g[0], true, "a subscriber that joined after another left with 2 frames unread");
    sub_take(&g[1], "a subscriber that joined after 3 frames");
    CHECK_SUB(&f, &g[1], true, "a subscriber that joined after 3 frames");
    hub_unsubscribe(h, g[0].fd);
    hub_unsubscribe(h, g[1].fd);
    hub_free(h);
}
END_TEST

/* A reader thread empties one subscriber's pipe while 3200 small frames
 * are published; another subscriber never reads. */
typedef struct reader {
    int fd;
    unsigned char *buf;
    size_t cap, len;
    int status;
    publisher *pub;
} reader;

static void *reader_body(void *p)
{
    reader *r = p;
    struct timespec nap = { 0, 1000000 };
    for (;;) {
        bool last = atomic_load(&r->pub->done);
        long n = sub_read(r->fd, r->buf + r->len, r->cap - r->len, &r->status);
        r->len += (size_t)n;
        if (last || r->status != SUB_OPEN || r->len == r->cap)
            return NULL;
        if (n == 0)
            nanosleep(&nap, NULL);
    }
}

START_TEST(slow_and_fast_subscribers)
{
    static frames f;
    static unsigned char buf[2][1 << 20];
    static sub_got g[2];
    static publisher pub;
    static reader r;
    frames_init(&f);
    hub_t *h = new_ok();
    sub_init(&g[0], subscribe_ok(h), &f, buf[0], sizeof buf[0]);
    sub_init(&g[1], subscribe_ok(h), &f, buf[1], sizeof buf[1]);
    pub = (publisher){ .h = h, .f = &f, .calls = 16, .len = 64, .repeat = 200 };
    r = (reader){ .fd = g[1].fd, .buf = buf[1], .cap = sizeof buf[1], .pub = &pub };
    pthread_t t;
    harness_thread_start(&t, reader_body, &r);
    publish_watched(&pub, 1500, 5000, "to 2 subscribers: one never reads, one reads all the "
                    "time");
    harness_thread_join(t);
    g[1].len = r.len;
    HARNESS_CHECK(r.status == SUB_OPEN, "reading the fast subscriber's descriptor %d failed "
                  "(%s): it must stay open until hub_unsubscribe", g[1].fd,
                  r.status == SUB_EOF ? "its write end was closed" : "an error");
    sub_take(&g[1], "the subscriber that read all the time");
    sub_take(&g[0], "the subscriber that never read");
    CHECK_SUB(&f, &g[0], false, "the subscriber that never read");
    CHECK_SUB(&f, &g[1], false, "the subscriber that read all the time");
    sub_got *subs[] = { &g[0], &g[1] };
    check_counts(&f, subs, 2);
    hub_unsubscribe(h, g[0].fd);
    hub_unsubscribe(h, g[1].fd);
    hub_free(h);
}
END_TEST

/* Two threads subscribe, read what came and unsubscribe, again and again,
 * while a third publishes and one subscriber stays throughout. Runs under
 * ThreadSanitizer too: the hub's list touched without the lock is a race. */
typedef struct churner {
    hub_t *h;
    int rounds;
    unsigned char buf[1 << 15];
    size_t len;
    size_t start[64], end[64]; /* round i's bytes: buf[start[i], end[i]) */
    int bad_fd, status;
} churner;

static void *churn_body(void *p)
{
    churner *c = p;
    c->bad_fd = 0;
    c->status = SUB_OPEN;
    for (int i = 0; i < c->rounds; i++) {
        int fd = hub_subscribe(c->h);
        if (fd < 0) {
            c->bad_fd = fd ? fd : -1;
            return NULL;
        }
        c->start[i] = c->len;
        long n = sub_read(fd, c->buf + c->len, sizeof c->buf - c->len, &c->status);
        c->len += (size_t)n;
        c->end[i] = c->len;
        hub_unsubscribe(c->h, fd);
        if (c->status != SUB_OPEN)
            return NULL;
    }
    return NULL;
}

START_TEST(churn_while_publishing)
{
    static frames f;
    static unsigned char buf[1 << 16];
    static sub_got g, round;
    static churner ch[2];
    frames_init(&f);
    uint64_t before = io_look().open_fds;
    hub_t *h = new_ok();
    sub_init(&g, subscribe_ok(h), &f, buf, sizeof buf);
    int rounds = harness_under_tsan() ? 30 : 60;
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        ch[i].h = h;
        ch[i].rounds = rounds;
        ch[i].len = 0;
        harness_thread_start(&t[i], churn_body, &ch[i]);
    }
    for (int k = 0; k < 300; k++) { /* this thread publishes, and reads g at once */
        publish_frame(h, &f, 16 + (size_t)(harness_rand() % 64), 1);
        sub_take(&g, "the subscriber that stayed throughout");
    }
    for (int i = 0; i < 2; i++)
        harness_thread_join(t[i]);
    for (int i = 0; i < 2; i++) {
        HARNESS_CHECK(ch[i].bad_fd == 0, "hub_subscribe returned %d while other threads "
                      "subscribed, unsubscribed and published", ch[i].bad_fd);
        HARNESS_CHECK(ch[i].status == SUB_OPEN, "a subscriber's descriptor could not be read "
                      "before its hub_unsubscribe (%s), while other threads subscribed, "
                      "unsubscribed and published: was it closed, or given to someone else?",
                      ch[i].status == SUB_EOF ? "its write end was closed" : "an error");
        for (int j = 0; j < rounds; j++) {
            sub_init(&round, -1, &f, ch[i].buf + ch[i].start[j], sizeof ch[i].buf);
            round.joined = 0;
            round.len = ch[i].end[j] - ch[i].start[j];
            CHECK_SUB(&f, &round, false, "a subscriber that came and went while frames were "
                      "published");
        }
    }
    CHECK_SUB(&f, &g, true, "the subscriber that stayed throughout (its pipe never full)");
    for (size_t k = 0; k < f.n; k++)
        HARNESS_CHECK(f.count[k] >= 1 && f.count[k] <= 3, "hub_publish returned %u for frame "
                      "%zu, with 1 subscriber throughout and 2 coming and going: expected 1 "
                      "to 3", f.count[k], k + 1);
    hub_unsubscribe(h, g.fd);
    hub_free(h);
    uint64_t end = io_look().open_fds;
    HARNESS_CHECK(end == before, "after %d subscribers came and went and hub_free, %lld "
                  "descriptor%s your code opened %s still open: close both ends of each pipe. "
                  "Still open: %s", 2 * rounds + 1, (long long)end - (long long)before,
                  end == before + 1 ? "" : "s", end == before + 1 ? "is" : "are",
                  harness_fds_where(0));
}
END_TEST

const graded_test hidden_tests[] = {
    GRADED(counts_follow_joins_and_leaves, "functional"),
    GRADED(unsubscribe_and_free_close_pipes, "functional"),
    GRADED(new_pipe_after_unsubscribe, "ordering"),
    GRADED(slow_and_fast_subscribers, "deadlock"),
    GRADED(churn_while_publishing, "race"),
    { 0 }
};
