/* Correct, another style: each thread's slot is on the heap, found through
 * a pthread_key (its destructor retires the slot as the thread exits), and
 * the count is atomic, so a thread adds to its own count without taking the
 * lock. The lock guards only the list of slots and the exited threads'
 * count: tally_total walks the list under it, reading each count
 * atomically. */
#include "local.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

struct slot {
    atomic_long count;
    struct slot *prev, *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot *slots;
static long exited;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_key_t key;

static void retire(void *p)
{
    struct slot *s = p;
    pthread_mutex_lock(&lock);
    exited += atomic_load(&s->count);
    if (s->prev)
        s->prev->next = s->next;
    else
        slots = s->next;
    if (s->next)
        s->next->prev = s->prev;
    pthread_mutex_unlock(&lock);
    free(s);
}

static void make_key(void)
{
    if (pthread_key_create(&key, retire) != 0)
        abort();
}

static struct slot *my_slot(void)
{
    pthread_once(&once, make_key);
    struct slot *s = pthread_getspecific(key);
    if (s)
        return s;
    s = calloc(1, sizeof *s);
    if (!s || pthread_setspecific(key, s) != 0) {
        fprintf(stderr, "tally: out of memory\n");
        abort();
    }
    pthread_mutex_lock(&lock);
    s->next = slots;
    if (slots)
        slots->prev = s;
    slots = s;
    pthread_mutex_unlock(&lock);
    return s;
}

void tally_add(long v)
{
    atomic_fetch_add_explicit(&my_slot()->count, v, memory_order_relaxed);
}

long tally_mine(void)
{
    return atomic_load_explicit(&my_slot()->count, memory_order_relaxed);
}

long tally_total(void)
{
    pthread_mutex_lock(&lock);
    long sum = exited;
    for (struct slot *s = slots; s; s = s->next)
        sum += atomic_load_explicit(&s->count, memory_order_relaxed);
    pthread_mutex_unlock(&lock);
    return sum;
}

void tally_reset(void)
{
    pthread_mutex_lock(&lock);
    exited = 0;
    for (struct slot *s = slots; s; s = s->next)
        atomic_store_explicit(&s->count, 0, memory_order_relaxed);
    pthread_mutex_unlock(&lock);
}
