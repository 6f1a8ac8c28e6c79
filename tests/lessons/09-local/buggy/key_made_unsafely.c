/* BUG: the key is made lazily by the first call, with a plain flag instead
 * of pthread_once: when threads make their first calls at the same time,
 * each may see the flag still false and make a key of its own, and a
 * thread's value set for one key is lost when another thread overwrites
 * `exit_key` (its slot never retires: its count is lost at exit). The flag
 * and the key are read and written without synchronisation: ThreadSanitizer
 * reports the data race.
 * expect: race */
#include "local.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

struct slot {
    long count;
    bool listed; /* on the list: only its own thread reads or writes this */
    struct slot *prev, *next;
};

static _Thread_local struct slot me;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot *slots; /* the slots of the live threads that used the tally */
static long exited;        /* the counts of the threads that have exited */

static bool key_made; /* BUG: read and written by every thread's first call */
static pthread_key_t exit_key;

/* The key's destructor: the thread that owns slot `p` is exiting. Its count
 * is kept in `exited`; the slot leaves the list before its storage goes. */
static void slot_retire(void *p)
{
    struct slot *s = p;
    pthread_mutex_lock(&lock);
    exited += s->count;
    if (s->prev)
        s->prev->next = s->next;
    else
        slots = s->next;
    if (s->next)
        s->next->prev = s->prev;
    pthread_mutex_unlock(&lock);
    s->listed = false;
}

static void make_key(void)
{
    if (key_made)
        return;
    if (pthread_key_create(&exit_key, slot_retire) != 0) {
        fprintf(stderr, "tally: pthread_key_create failed\n");
        abort(); /* without it exited threads' counts would be lost */
    }
    key_made = true;
}

/* The calling thread's slot, put on the list the first time. */
static struct slot *my_slot(void)
{
    if (me.listed)
        return &me;
    make_key(); /* BUG: not pthread_once */
    /* A non-NULL value makes the destructor run when this thread exits. */
    if (pthread_setspecific(exit_key, &me) != 0) {
        fprintf(stderr, "tally: pthread_setspecific failed\n");
        abort();
    }
    pthread_mutex_lock(&lock);
    me.count = 0;
    me.prev = NULL;
    me.next = slots;
    if (slots)
        slots->prev = &me;
    slots = &me;
    pthread_mutex_unlock(&lock);
    me.listed = true;
    return &me;
}

void tally_add(long v)
{
    struct slot *s = my_slot();
    pthread_mutex_lock(&lock);
    s->count += v;
    pthread_mutex_unlock(&lock);
}

long tally_mine(void)
{
    struct slot *s = my_slot();
    pthread_mutex_lock(&lock);
    long count = s->count;
    pthread_mutex_unlock(&lock);
    return count;
}

long tally_total(void)
{
    pthread_mutex_lock(&lock);
    long sum = exited;
    for (struct slot *s = slots; s; s = s->next)
        sum += s->count;
    pthread_mutex_unlock(&lock);
    return sum;
}

void tally_reset(void)
{
    pthread_mutex_lock(&lock);
    exited = 0;
    for (struct slot *s = slots; s; s = s->next)
        s->count = 0;
    pthread_mutex_unlock(&lock);
}
