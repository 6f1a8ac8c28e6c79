/* BUG: a mutex around say() but no turn: the calls never overlap, but who
 * goes next is up to the scheduler (the seed's "PingPongPingPongPongPing").
 * expect: ordering */
#include "turns.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

typedef struct table {
    pthread_mutex_t lock;
    size_t rounds;
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
    for (size_t r = 0; r < s->t->rounds; r++) {
        pthread_mutex_lock(&s->t->lock);
        s->t->say(s->me);
        pthread_mutex_unlock(&s->t->lock);
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
    table t = { .rounds = rounds, .say = say };
    pthread_mutex_init(&t.lock, NULL);
    size_t started = 0;
    int err = 0;
    for (; started < k; started++) {
        seats[started] = (seat){ &t, started, 0 };
        err = pthread_create(&seats[started].thread, NULL, speaker, &seats[started]);
        if (err)
            break;
    }
    for (size_t i = 0; i < started; i++)
        pthread_join(seats[i].thread, NULL);
    pthread_mutex_destroy(&t.lock);
    free(seats);
    return err;
}
