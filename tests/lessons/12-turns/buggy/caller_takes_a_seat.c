/* BUG: the caller takes the last seat itself instead of giving it a thread:
 * take_turns(k) starts k - 1 threads and speaks for speaker k - 1 on the
 * thread that called it. The order is right; the speakers' threads are not
 * (each speaker needs a thread of its own). Every other line is the
 * reference solution.
 * expect: functional ordering */
#include "turns.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

typedef struct table {
    pthread_mutex_t lock;
    pthread_cond_t turn_changed;
    size_t k, rounds, turn; /* turn: who speaks next */
    bool abort;             /* a thread could not be started: everyone leaves */
    void (*say)(size_t who);
} table;

typedef struct seat {
    table *t;
    size_t me;
    pthread_t thread;
} seat;

static void *speaker(void *p)
{
    seat *s = p;
    table *t = s->t;
    for (size_t r = 0; r < t->rounds; r++) {
        pthread_mutex_lock(&t->lock);
        while (t->turn != s->me && !t->abort)
            pthread_cond_wait(&t->turn_changed, &t->lock);
        bool stop = t->abort;
        pthread_mutex_unlock(&t->lock);
        if (stop)
            break;
        t->say(s->me); /* only this thread can move the turn on now */
        pthread_mutex_lock(&t->lock);
        t->turn = (t->turn + 1) % t->k;
        pthread_cond_broadcast(&t->turn_changed);
        pthread_mutex_unlock(&t->lock);
    }
    return NULL;
}

int take_turns(size_t k, size_t rounds, void (*say)(size_t who))
{
    if (k == 0)
        return EINVAL;
    seat *seats = calloc(k, sizeof *seats);
    if (!seats)
        return ENOMEM;
    table t = { .k = k, .rounds = rounds, .say = say };
    pthread_mutex_init(&t.lock, NULL);
    pthread_cond_init(&t.turn_changed, NULL);
    size_t started = 0;
    int err = 0;
    for (; started < k - 1; started++) {
        seats[started] = (seat){ &t, started, 0 };
        err = pthread_create(&seats[started].thread, NULL, speaker, &seats[started]);
        if (err)
            break;
    }
    if (!err) {
        seats[k - 1] = (seat){ &t, k - 1, 0 };
        speaker(&seats[k - 1]); /* on the caller's thread */
    }
    if (err) {
        pthread_mutex_lock(&t.lock);
        t.abort = true;
        pthread_cond_broadcast(&t.turn_changed);
        pthread_mutex_unlock(&t.lock);
    }
    for (size_t i = 0; i < started; i++)
        pthread_join(seats[i].thread, NULL);
    pthread_cond_destroy(&t.turn_changed);
    pthread_mutex_destroy(&t.lock);
    free(seats);
    return err;
}
