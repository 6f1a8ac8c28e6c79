/* test_hidden.c - lesson 08's hidden tests (not in the student handout).
 * Like the public ones, most run in virtual time (harness.h): exact
 * timeouts, and a sleep of the test ends only once every other thread is
 * blocked, so a waiter that was not woken is still waiting, every run. */
#include "test_support.h"

#include <sched.h>
#include <time.h>

/* tsq_new refuses kinds that are not one of the three; maxsize 0 is
 * unbounded. */
START_TEST(new_rejects_unknown_kind_and_zero_is_unbounded)
{
    harness_virtual_time(true);
    tsq_t *bad = tsq_new((tsq_kind)3, 0);
    HARNESS_CHECK(bad == NULL, "tsq_new(3, 0) returned a queue: 3 is not a kind (TSQ_FIFO, "
                  "TSQ_LIFO, TSQ_PRIORITY are 0, 1, 2); return NULL");
    bad = tsq_new((tsq_kind)-1, 4);
    HARNESS_CHECK(bad == NULL, "tsq_new(-1, 4) returned a queue: -1 is not a kind; return NULL");
    enum { N = 1000 };
    tsq_kind kinds[] = { TSQ_FIFO, TSQ_LIFO, TSQ_PRIORITY };
    for (int k = 0; k < 3; k++) {
        tsq_t *q = new_queue(kinds[k], 0);
        harness_batch_begin();
        for (long i = 1; i <= N; i++)
            tsq_put(q, IT(i), (int)(i % 5), 0);
        size_t m;
        const uint64_t *r = harness_batch_end(&m);
        for (size_t i = 0; i < m; i++)
            HARNESS_CHECK(r[i] == 0, "tsq_new(%s, 0) is unbounded, yet put number %zu "
                          "(timeout 0) returned %d", kind_name(kinds[k]), i + 1, (int)r[i]);
        HARNESS_CHECK(tsq_size(q) == N, "after %d puts into an unbounded %s queue, tsq_size "
                      "returned %zu", N, kind_name(kinds[k]), tsq_size(q));
        tsq_free(q);
    }
}
END_TEST

/* task_done without a matching get is ignored; join with nothing
 * unfinished returns at once; join waits for the done of each item got. */
START_TEST(task_done_without_get_is_ignored)
{
    harness_virtual_time(true);
    tsq_t *q = new_queue(TSQ_FIFO, 0);
    call j;
    call_start_settled(&j, OP_JOIN, q, 0, 0, 0);
    HARNESS_CHECK(call_done(&j) && j.took_ms <= 0.5, "tsq_join on a new queue did not return at "
                  "once: with nothing unfinished it must not wait");
    harness_thread_join(j.thread);
    for (int i = 0; i < 3; i++)
        tsq_task_done(q); /* no get: ignored */
    put_ok(q, 1, 0, -1);
    tsq_task_done(q); /* item 1 is in the queue, not got: ignored too */
    call_start_settled(&j, OP_JOIN, q, 0, 0, 0);
    harness_sleep_ms(1000);
    HARNESS_CHECK(!call_done(&j), "tsq_join returned while item 1 was still in the queue: "
                  "tsq_task_done called with no item got (4 times, before any get) must be "
                  "ignored, not counted against later items");
    HARNESS_CHECK(get_ok(q, 0) == 1, "tsq_get returned the wrong item");
    harness_sleep_ms(1000);
    HARNESS_CHECK(!call_done(&j), "tsq_join returned after item 1 was got but before its "
                  "tsq_task_done (the queue is empty, yet the item is unfinished)");
    tsq_task_done(q);
    harness_sleep_ms(1);
    HARNESS_CHECK(call_done(&j), "tsq_join had not returned after the only item was got and "
                  "marked done");
    harness_thread_join(j.thread);
    tsq_free(q);
}
END_TEST

/* A model of the three kinds checks a seeded mix of puts (with priorities
 * from -2 to 2) and gets that do not wait, 400 calls per kind, every result. */
enum { MIX = 400 };

static void check_mix(tsq_kind kind)
{
    long model[MIX];
    int mprio[MIX];
    int mn = 0;
    bool is_put[MIX];
    long item[MIX];
    int prio[MIX];
    long next = 1;
    tsq_t *q = new_queue(kind, 0);
    for (int i = 0; i < MIX; i++) {
        uint64_t r = harness_rand();
        is_put[i] = r % 10 < 6;
        item[i] = is_put[i] ? next++ : 0;
        prio[i] = (int)((r >> 8) % 5) - 2;
    }
    harness_batch_begin();
    for (int i = 0; i < MIX; i++) {
        void *it;
        if (is_put[i])
            tsq_put(q, IT(item[i]), prio[i], 0);
        else
            tsq_get(q, &it, 0);
    }
    size_t m;
    const uint64_t *r = harness_batch_end(&m);
    HARNESS_CHECK(m == MIX, "the batch returned %zu results", m);
    for (int i = 0; i < MIX; i++) {
        if (is_put[i]) {
            HARNESS_CHECK(r[i] == 0, "%s, call %d: tsq_put returned %d (expected 0)",
                          kind_name(kind), i + 1, (int)r[i]);
            model[mn] = item[i];
            mprio[mn++] = prio[i];
            continue;
        }
        if (mn == 0) {
            HARNESS_CHECK(Q_RC(r[i]) == EAGAIN, "%s, call %d: tsq_get(q, &item, 0) on an empty "
                          "queue returned %d (expected EAGAIN)", kind_name(kind), i + 1,
                          Q_RC(r[i]));
            continue;
        }
        int pick = 0; /* FIFO: the oldest */
        if (kind == TSQ_LIFO)
            pick = mn - 1;
        if (kind == TSQ_PRIORITY)
            for (int k = 1; k < mn; k++)
                if (mprio[k] < mprio[pick])
                    pick = k;
        HARNESS_CHECK(Q_RC(r[i]) == 0, "%s, call %d: tsq_get(q, &item, 0) with %d items in "
                      "the queue returned %d (expected 0)", kind_name(kind), i + 1, mn,
                      Q_RC(r[i]));
        long got = Q_ITEM(r[i]);
        int where = -1;
        for (int k = 0; k < mn; k++)
            if (model[k] == got)
                where = k;
        const char *rule = kind == TSQ_PRIORITY ? "lower prio first, equal prios in the "
                           "order they were put" : kind == TSQ_LIFO ? "the newest first" :
                           "the oldest first";
        HARNESS_CHECK(where >= 0, "%s, call %d: tsq_get returned item %ld, which is not in the "
                      "queue (item %ld should come next)", kind_name(kind), i + 1, got,
                      model[pick]);
        if (kind == TSQ_PRIORITY)
            HARNESS_CHECK(got == model[pick], "%s, call %d: tsq_get returned item %ld (prio "
                          "%d, put %s), but item %ld (prio %d) should come first: %s",
                          kind_name(kind), i + 1, got, mprio[where],
                          where < pick ? "earlier" : "later", model[pick], mprio[pick], rule);
        else /* the prios mean nothing here: leave them out */
            HARNESS_CHECK(got == model[pick], "%s, call %d: tsq_get returned item %ld (put %s), "
                          "but item %ld should come first: %s", kind_name(kind), i + 1, got,
                          where < pick ? "earlier" : "later", model[pick], rule);
        for (int k = pick; k + 1 < mn; k++) {
            model[k] = model[k + 1];
            mprio[k] = mprio[k + 1];
        }
        mn--;
    }
    HARNESS_CHECK(tsq_size(q) == (size_t)mn, "%s: after the mix, %d items should be in the "
                  "queue; tsq_size returned %zu", kind_name(kind), mn, tsq_size(q));
    tsq_free(q);
}

START_TEST(order_matches_the_kind)
{
    harness_virtual_time(true);
    check_mix(TSQ_PRIORITY);
    check_mix(TSQ_FIFO);
    check_mix(TSQ_LIFO);
}
END_TEST

/* Virtual time: a put into a full queue gives up after exactly its timeout
 * (5 s: beyond what milliseconds * 1000000 can hold in 32 bits), and one
 * that waits returns the moment a get makes room. */
START_TEST(timed_put_is_honoured)
{
    harness_virtual_time(true);
    char b[16];
    tsq_t *q = new_queue(TSQ_PRIORITY, 1);
    put_ok(q, 1, 0, -1);
    call c;
    call_start(&c, OP_PUT, q, 2, 0, 5000);
    harness_thread_join(c.thread);
    HARNESS_CHECK(c.rc == EAGAIN, "tsq_put(q, item, prio, 5000 ms) on a full queue returned %s "
                  "(expected EAGAIN)", rc_name(c.rc, b, sizeof b));
    HARNESS_CHECK(c.took_ms >= 4999.0 && c.took_ms <= 5001.0, "tsq_put(q, item, prio, 5000 ms) "
                  "on a full queue gave up after %.1f ms (expected 5000)%s", c.took_ms,
                  c.took_ms < 5000 ? ": check the deadline's arithmetic (a nanosecond count "
                  "in 32 bits wraps beyond 2147 ms)" : ": keep one absolute deadline for the "
                  "whole wait");
    HARNESS_CHECK(tsq_size(q) == 1, "a put that timed out changed tsq_size from 1 to %zu",
                  tsq_size(q));
    call_start(&c, OP_PUT, q, 3, 0, 3000);
    harness_sleep_ms(1000);
    HARNESS_CHECK(get_ok(q, 0) == 1, "tsq_get returned the wrong item");
    harness_thread_join(c.thread);
    HARNESS_CHECK(c.rc == 0, "tsq_put(q, item 3, prio, 3000 ms) returned %s although a get made "
                  "room 1000 ms into the wait", rc_name(c.rc, b, sizeof b));
    HARNESS_CHECK(c.took_ms >= 999.0 && c.took_ms <= 1001.0, "tsq_put(q, item, prio, 3000 ms) "
                  "returned after %.1f ms though a get made room after 1000 ms: a get must "
                  "wake a waiting put at once", c.took_ms);
    HARNESS_CHECK(get_ok(q, 0) == 3, "after the timed put, tsq_get did not return item 3");
    tsq_free(q);
}
END_TEST

/* Virtual time: an hour-long get and a 70 s put time out exactly. */
START_TEST(long_timeouts_exact)
{
    harness_virtual_time(true);
    char b[16];
    tsq_t *q = new_queue(TSQ_LIFO, 1);
    call g;
    call_start(&g, OP_GET, q, 0, 0, 3600000);
    harness_thread_join(g.thread);
    HARNESS_CHECK(g.rc == EAGAIN && g.took_ms >= 3599999.0 && g.took_ms <= 3600001.0,
                  "tsq_get(q, &item, 3600000 ms) on an empty queue returned %s after %.1f ms "
                  "(expected EAGAIN after exactly an hour)", rc_name(g.rc, b, sizeof b),
                  g.took_ms);
    put_ok(q, 1, 0, 0);
    call p;
    call_start(&p, OP_PUT, q, 2, 0, 70000);
    harness_thread_join(p.thread);
    HARNESS_CHECK(p.rc == EAGAIN && p.took_ms >= 69999.0 && p.took_ms <= 70001.0,
                  "tsq_put(q, item, prio, 70000 ms) on a full queue returned %s after %.1f ms "
                  "(expected EAGAIN after exactly 70000 ms)", rc_name(p.rc, b, sizeof b),
                  p.took_ms);
    tsq_free(q);
}
END_TEST

/* Eight joiners, each asleep: the last task_done wakes them all. */
START_TEST(eight_joiners_all_return)
{
    enum { J = 8 };
    harness_virtual_time(true);
    tsq_t *q = new_queue(TSQ_LIFO, 0);
    put_ok(q, 1, 0, -1);
    put_ok(q, 2, 0, -1);
    call j[J];
    for (int i = 0; i < J; i++)
        call_start(&j[i], OP_JOIN, q, 0, 0, 0);
    harness_sleep_ms(1);
    (void)get_ok(q, 0);
    (void)get_ok(q, 0);
    tsq_task_done(q);
    harness_sleep_ms(1);
    for (int i = 0; i < J; i++)
        HARNESS_CHECK(!call_done(&j[i]), "tsq_join returned with one of two items not done");
    tsq_task_done(q);
    harness_sleep_ms(10);
    int back = 0;
    for (int i = 0; i < J; i++)
        back += call_done(&j[i]);
    HARNESS_CHECK(back == J, "eight threads waited in tsq_join; 10 ms after the last task_done "
                  "only %d had returned: wake every joiner (pthread_cond_broadcast)", back);
    for (int i = 0; i < J; i++)
        harness_thread_join(j[i].thread);
    tsq_free(q);
}
END_TEST

/* Six consumers asleep on an empty queue, then six puts in a row: each
 * consumer must get one, even when the puts come faster than the woken
 * consumers run (a put must wake a consumer whatever the queue held). */
START_TEST(burst_of_puts_wakes_every_consumer)
{
    enum { C = 6 };
    harness_virtual_time(true);
    tsq_t *q = new_queue(TSQ_FIFO, 0);
    for (int round = 0; round < 3; round++) {
        call c[C];
        for (int i = 0; i < C; i++)
            call_start(&c[i], OP_GET, q, 0, 0, -1);
        harness_sleep_ms(1);
        harness_repeat(C);
        tsq_put(q, IT(5), 0, -1);
        harness_sleep_ms(10);
        int back = 0;
        for (int i = 0; i < C; i++)
            back += call_done(&c[i]);
        size_t left = tsq_size(q);
        HARNESS_CHECK(back == C, "six consumers waited in tsq_get(q, &item, -1) and six items "
                      "were put one after the other: 10 ms later %d consumers were still "
                      "asleep with %zu items in the queue. Wake a waiting consumer on every put "
                      "(not only when the queue was empty), or wake them all", C - back, left);
        for (int i = 0; i < C; i++) {
            harness_thread_join(c[i].thread);
            HARNESS_CHECK(c[i].rc == 0 && c[i].item == 5, "a consumer got rc %d, item %ld",
                          c[i].rc, c[i].item);
        }
    }
    tsq_free(q);
}
END_TEST

/* A queue of one place between three producers and three consumers, every
 * call blocking: each item passes exactly once and nobody is left asleep
 * (in virtual time, threads all asleep with nothing to time out end the
 * run at once with what each waits for). */
typedef struct hand {
    tsq_t *q;
    harness_gate *gate;
    long first, n;
    uint64_t *got;
    long ngot;
} hand;

static void *hand_put(void *p)
{
    hand *h = p;
    harness_gate_wait(h->gate, 5000);
    harness_batch_begin();
    for (long i = 0; i < h->n; i++)
        tsq_put(h->q, IT(h->first + i), 0, -1);
    size_t m;
    (void)harness_batch_end(&m);
    return NULL;
}

static void *hand_get(void *p)
{
    hand *h = p;
    harness_gate_wait(h->gate, 5000);
    while (h->ngot < h->n) {
        harness_repeat((uint64_t)(h->n - h->ngot));
        void *it;
        tsq_get(h->q, &it, -1);
        const harness_repeat_result *r = harness_repeat_results();
        for (size_t i = 0; i < r->nruns; i++)
            for (uint64_t k = 0; k < r->runs[i].count && h->ngot < h->n; k++)
                h->got[h->ngot++] = r->runs[i].value;
        if (r->calls == 0)
            break;
    }
    return NULL;
}

START_TEST(one_place_handoff)
{
    enum { P = 3 };
    harness_virtual_time(true);
    long per = harness_under_tsan() ? 60 : 400;
    tsq_t *q = new_queue(TSQ_FIFO, 1);
    harness_gate *g = harness_gate_new(2 * P);
    hand h[2 * P];
    pthread_t th[2 * P];
    tally t;
    tally_init(&t, P * per);
    for (int i = 0; i < 2 * P; i++) {
        h[i] = (hand){ .q = q, .gate = g, .first = 1 + (i % P) * per, .n = per };
        if (i >= P) {
            h[i].got = calloc((size_t)per, sizeof(uint64_t));
            HARNESS_CHECK(h[i].got != NULL, "the test ran out of memory");
        }
        harness_thread_start(&th[i], i < P ? hand_put : hand_get, &h[i]);
    }
    for (int i = 0; i < 2 * P; i++)
        harness_thread_join(th[i]);
    harness_gate_free(g);
    for (int i = P; i < 2 * P; i++) {
        for (long k = 0; k < h[i].ngot; k++) {
            char b[16];
            HARNESS_CHECK(Q_RC(h[i].got[k]) == 0, "a blocking tsq_get(q, &item, -1) returned %s",
                          rc_name(Q_RC(h[i].got[k]), b, sizeof b));
            tally_add(&t, (uint64_t)Q_ITEM(h[i].got[k]), 1);
        }
        free(h[i].got);
    }
    tally_check(&t, "3 producers and 3 consumers on a queue of maxsize 1");
    tsq_free(q);
}
END_TEST

/* tsq_size read over and over, from before a producer and a consumer
 * start until after they finish: every value between 0 and maxsize. Under
 * ThreadSanitizer too: the reads and the changes overlap, so a read without
 * the lock is reported. In virtual time: once the reader has stopped (at
 * the latest after 3000 rounds), threads stuck in a 3 s put or get give up
 * at once instead of after 3 real seconds. */
typedef struct sizer {
    tsq_t *q;
    long n, bad, done;
    int rc;
    atomic_bool reading, stop;
} sizer;

static void *size_reader(void *p)
{
    sizer *s = p;
    for (int round = 0; round < 3000 && !atomic_load(&s->stop); round++) {
        harness_repeat(64);
        (void)tsq_size(s->q);
        const harness_repeat_result *r = harness_repeat_results();
        for (size_t i = 0; i < r->nruns; i++)
            if (r->runs[i].value > 8)
                s->bad = (long)r->runs[i].value;
        atomic_store(&s->reading, true);
    }
    return NULL;
}

/* s->n puts (or gets) with a 3 s timeout, stopping at the first EAGAIN. */
static void *size_worker(void *p, bool put)
{
    sizer *s = p;
    while (s->done < s->n && s->rc == 0) {
        void *it;
        if (put) {
            harness_repeat_until((uint64_t)(s->n - s->done), EAGAIN);
            tsq_put(s->q, IT(1), 0, 3000);
        } else {
            harness_repeat_until((uint64_t)(s->n - s->done), Q_EAGAIN);
            tsq_get(s->q, &it, 3000);
        }
        const harness_repeat_result *r = harness_repeat_results();
        for (size_t i = 0; i < r->nruns; i++)
            if ((put ? (int)r->runs[i].value : Q_RC(r->runs[i].value)) != 0)
                s->rc = put ? (int)r->runs[i].value : Q_RC(r->runs[i].value);
        s->done += (long)r->calls;
        if (r->calls == 0)
            break;
    }
    return NULL;
}

static void *size_putter(void *p) { return size_worker(p, true); }
static void *size_getter(void *p) { return size_worker(p, false); }

START_TEST(size_while_busy)
{
    harness_virtual_time(true);
    long n = harness_under_tsan() ? 200 : 1500;
    tsq_t *q = new_queue(TSQ_FIFO, 8);
    sizer s = { .q = q, .n = n }, w[2] = { { .q = q, .n = n }, { .q = q, .n = n } };
    pthread_t reader, th[2];
    harness_thread_start(&reader, size_reader, &s);
    /* Real time, and no sleep of the test (a virtual one would wait for
     * the reader to stop): the producer and consumer start once the
     * reader's first round is back. */
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        sched_yield();
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while (!atomic_load(&s.reading) && t.tv_sec - t0.tv_sec < 5);
    harness_thread_start(&th[0], size_putter, &w[0]);
    harness_thread_start(&th[1], size_getter, &w[1]);
    harness_thread_join(th[0]);
    harness_thread_join(th[1]);
    atomic_store(&s.stop, true);
    harness_thread_join(reader);
    char b[16];
    HARNESS_CHECK(w[0].rc == 0 && w[1].rc == 0, "a producer's %ld tsq_put(q, item, 0, 3000 ms) "
                  "and a consumer's %ld tsq_get(q, &item, 3000 ms) on a queue of maxsize 8: "
                  "the %s returned %s after %ld calls", n, n, w[0].rc ? "put" : "get",
                  rc_name(w[0].rc ? w[0].rc : w[1].rc, b, sizeof b),
                  w[0].rc ? w[0].done : w[1].done);
    HARNESS_CHECK(s.bad == 0, "tsq_size returned %ld on a queue of maxsize 8 while a "
                  "producer and a consumer worked", s.bad);
    HARNESS_CHECK(tsq_size(q) == 0, "%ld puts and %ld gets, yet tsq_size returned %zu", n, n,
                  tsq_size(q));
    tsq_free(q);
}
END_TEST

/* An item handed from one thread to another, with nothing but the queue
 * between them. Per round, a fresh queue and two new threads: the producer
 * puts one item, then meets the consumer at a gate (which orders nothing in
 * your process); only then does the consumer call, tsq_get first (even
 * rounds) or tsq_size first (odd rounds). Its first look at the queue comes
 * after the producer's put on every run: a count or an item read before the
 * consumer takes the lock is a data race ThreadSanitizer sees whatever the
 * schedule. */
typedef struct handoff {
    tsq_t *q;
    harness_gate *gate;
    bool size_first;
    int put_rc, get_rc;
    long got;
    size_t size_before, size_after;
    bool producer_lost, consumer_lost; /* the gate timed out */
} handoff;

static void *handoff_producer(void *p)
{
    handoff *h = p;
    h->put_rc = tsq_put(h->q, IT(7), 0, 0);
    h->producer_lost = !harness_gate_wait(h->gate, 5000);
    return NULL;
}

static void *handoff_consumer(void *p)
{
    handoff *h = p;
    if (!harness_gate_wait(h->gate, 5000)) {
        h->consumer_lost = true;
        return NULL;
    }
    void *it = IT(-1);
    if (h->size_first)
        h->size_before = tsq_size(h->q);
    h->get_rc = tsq_get(h->q, &it, 0);
    h->got = NUM(it);
    h->size_after = tsq_size(h->q);
    return NULL;
}

START_TEST(item_handed_to_a_later_consumer)
{
    static const tsq_kind kinds[] = { TSQ_FIFO, TSQ_LIFO, TSQ_PRIORITY };
    for (int round = 0; round < 6; round++) {
        handoff h = { .q = new_queue(kinds[round / 2], round % 3 == 0 ? 1 : 0),
                      .gate = harness_gate_new(2), .size_first = round % 2 == 1,
                      .size_before = 1 };
        HARNESS_CHECK(h.gate != NULL, "out of memory in the test");
        pthread_t prod, cons;
        harness_thread_start(&prod, handoff_producer, &h);
        harness_thread_start(&cons, handoff_consumer, &h);
        harness_thread_join(prod);
        harness_thread_join(cons);
        HARNESS_CHECK(!h.producer_lost && !h.consumer_lost, "a thread waited 5 s for the "
                      "other (a call that never returned?)");
        char b[16];
        const char *kind = kind_name(kinds[round / 2]);
        HARNESS_CHECK(h.put_rc == 0, "tsq_put(q, item, 0, 0) on an empty %s queue returned %s "
                      "(expected 0)", kind, rc_name(h.put_rc, b, sizeof b));
        HARNESS_CHECK(h.size_before == 1, "one thread put an item on an empty %s queue; then "
                      "another thread's tsq_size returned %zu, expected 1", kind,
                      h.size_before);
        HARNESS_CHECK(h.get_rc == 0 && h.got == 7, "one thread put item 7 on an empty %s "
                      "queue; then another thread's tsq_get(q, &item, 0) returned %s with "
                      "item %ld, expected 0 with item 7", kind, rc_name(h.get_rc, b, sizeof b),
                      h.got);
        HARNESS_CHECK(h.size_after == 0, "the %s queue's one item was taken; tsq_size "
                      "returned %zu, expected 0", kind, h.size_after);
        harness_gate_free(h.gate);
        tsq_free(h.q);
    }
}
END_TEST

const graded_test hidden_tests[] = {
    GRADED_VIRTUAL(new_rejects_unknown_kind_and_zero_is_unbounded, "functional"),
    GRADED_VIRTUAL(task_done_without_get_is_ignored, "functional"),
    GRADED_VIRTUAL(order_matches_the_kind, "ordering"),
    GRADED_VIRTUAL(timed_put_is_honoured, "timing"),
    GRADED_VIRTUAL(long_timeouts_exact, "timing"),
    GRADED(eight_joiners_all_return, "deadlock"),
    GRADED(burst_of_puts_wakes_every_consumer, "deadlock"),
    GRADED(one_place_handoff, "deadlock"),
    GRADED_VIRTUAL(size_while_busy, "race"),
    GRADED(item_handed_to_a_later_consumer, "race"),
    { 0 }
};
