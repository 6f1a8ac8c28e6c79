/* Correct, another style: a table keyed by the thread's id (pthread_self),
 * like buggy/keyed_by_id.c, but each thread's entry leaves the table as the
 * thread exits (a pthread_key destructor), its count kept in `exited`. The
 * system can give an id to a new thread only after the old thread has
 * exited, so a new thread never finds an old entry. One rwlock: adds to
 * one's own entry take it for writing as well (another thread may read the
 * entry in tally_total). */
#include "local.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct entry {
    pthread_t id;
    long count;
    struct entry *next;
};

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static struct entry *table;
static long exited;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_key_t key;

static void forget_me(void *p)
{
    (void)p;
    pthread_t self = pthread_self();
    pthread_rwlock_wrlock(&lock);
    for (struct entry **e = &table; *e; e = &(*e)->next) {
        if (pthread_equal((*e)->id, self)) {
            struct entry *gone = *e;
            exited += gone->count;
            *e = gone->next;
            free(gone);
            break;
        }
    }
    pthread_rwlock_unlock(&lock);
}

static void make_key(void)
{
    if (pthread_key_create(&key, forget_me) != 0)
        abort();
}

/* The caller's entry, made the first time; the write lock is held. */
static struct entry *find_mine(void)
{
    pthread_t self = pthread_self();
    for (struct entry *e = table; e; e = e->next)
        if (pthread_equal(e->id, self))
            return e;
    struct entry *e = calloc(1, sizeof *e);
    if (!e || pthread_setspecific(key, e) != 0) { /* non-NULL: forget_me runs at exit */
        fprintf(stderr, "tally: out of memory\n");
        abort();
    }
    e->id = self;
    e->next = table;
    table = e;
    return e;
}

void tally_add(long v)
{
    pthread_once(&once, make_key);
    pthread_rwlock_wrlock(&lock);
    find_mine()->count += v;
    pthread_rwlock_unlock(&lock);
}

long tally_mine(void)
{
    pthread_once(&once, make_key);
    pthread_rwlock_wrlock(&lock);
    long c = find_mine()->count;
    pthread_rwlock_unlock(&lock);
    return c;
}

long tally_total(void)
{
    pthread_rwlock_rdlock(&lock);
    long sum = exited;
    for (struct entry *e = table; e; e = e->next)
        sum += e->count;
    pthread_rwlock_unlock(&lock);
    return sum;
}

void tally_reset(void)
{
    pthread_rwlock_wrlock(&lock);
    exited = 0;
    for (struct entry *e = table; e; e = e->next)
        e->count = 0;
    pthread_rwlock_unlock(&lock);
}
