/* Correct, in C11 <threads.h>: thrd_create/thrd_join, mtx_t and cnd_t.
 * C11 reports a failed start as thrd_nomem or thrd_error: mapped back to
 * ENOMEM and EAGAIN (what pthread_create gives when the system lacks the
 * resources for a thread). The turn is handed on under the lock and every
 * waiter is woken; the one named goes on. */
#include "turns.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <threads.h>

typedef struct table {
    mtx_t lock;
    cnd_t turn_changed;
    size_t k, rounds, turn;
    bool abort;
    void (*say)(size_t who);
} table;

typedef struct seat {
    table *t;
    size_t me;
    thrd_t thread;
} seat;

static int errno_of(int c11)
{
    switch (c11) {
    case thrd_success: return 0;
    case thrd_nomem: return ENOMEM;
    default: return EAGAIN;
    }
}

/* Waits for this seat's turn; false when everyone must leave instead. */
static bool await_turn(table *t, size_t me)
{
    mtx_lock(&t->lock);
    while (t->turn != me && !t->abort)
        cnd_wait(&t->turn_changed, &t->lock);
    bool go = !t->abort;
    mtx_unlock(&t->lock);
    return go;
}

static int speaker(void *p)
{
    seat *s = p;
    table *t = s->t;
    for (size_t r = 0; r < t->rounds && await_turn(t, s->me); r++) {
        t->say(s->me);
        mtx_lock(&t->lock);
        t->turn = (t->turn + 1) % t->k;
        cnd_broadcast(&t->turn_changed);
        mtx_unlock(&t->lock);
    }
    return 0;
}

int take_turns(size_t k, size_t rounds, void (*say)(size_t who))
{
    if (k == 0)
        return EINVAL;
    seat *seats = calloc(k, sizeof *seats);
    if (!seats)
        return ENOMEM;
    table t = { .k = k, .rounds = rounds, .say = say };
    if (mtx_init(&t.lock, mtx_plain) != thrd_success) {
        free(seats);
        return ENOMEM;
    }
    if (cnd_init(&t.turn_changed) != thrd_success) {
        mtx_destroy(&t.lock);
        free(seats);
        return ENOMEM;
    }
    size_t started = 0;
    int err = 0;
    for (; started < k; started++) {
        seats[started] = (seat){ .t = &t, .me = started };
        err = errno_of(thrd_create(&seats[started].thread, speaker, &seats[started]));
        if (err)
            break;
    }
    if (err) {
        mtx_lock(&t.lock);
        t.abort = true;
        cnd_broadcast(&t.turn_changed);
        mtx_unlock(&t.lock);
    }
    for (size_t i = 0; i < started; i++)
        thrd_join(seats[i].thread, NULL);
    cnd_destroy(&t.turn_changed);
    mtx_destroy(&t.lock);
    free(seats);
    return err;
}
