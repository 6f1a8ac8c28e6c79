/* BUG: the seed's shared `counter` idea: the threads spin on a plain int
 * instead of waiting on a condition variable. The order comes out right,
 * but every read of `turn` races with the write of the thread passing the
 * turn on: a data race (undefined behaviour; ThreadSanitizer reports it).
 * expect: race */
#include "turns.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

typedef struct table {
    size_t k, rounds;
    size_t turn;
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
        while (*(volatile size_t *)&t->turn != s->me)
            sched_yield();
        t->say(s->me);
        *(volatile size_t *)&t->turn = (s->me + 1) % t->k;
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
    free(seats);
    return err;
}
