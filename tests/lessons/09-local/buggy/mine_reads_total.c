/* BUG: the counts are kept per thread (a _Thread_local slot on a list,
 * moved into `exited` when the thread exits), but tally_mine adds them all
 * up: a thread sees the other threads' counts in its own.
 * expect: functional */
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

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
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
    if (pthread_key_create(&exit_key, slot_retire) != 0) {
        fprintf(stderr, "tally: pthread_key_create failed\n");
        abort(); /* without it exited threads' counts would be lost */
    }
}

/* The calling thread's slot, put on the list the first time. */
static struct slot *my_slot(void)
{
    if (me.listed)
        return &me;
    pthread_once(&key_once, make_key);
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

long tally_total(void);

long tally_mine(void)
{
    my_slot();
    return tally_total(); /* BUG: everyone's, not the caller's */
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
