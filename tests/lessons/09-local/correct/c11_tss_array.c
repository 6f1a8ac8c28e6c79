/* Correct, another style: C11 <threads.h>. Each thread's count is a slot in
 * a growing array, its index kept in thread-specific storage (tss_create);
 * the tss destructor folds the slot's count into `exited` and frees the
 * slot for reuse by a later thread, which zeroes it. One mtx_t guards it
 * all. */
#include "local.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <threads.h>

static mtx_t lock;
static tss_t key;
static once_flag once = ONCE_FLAG_INIT;

static long *counts;  /* counts[i] of slot i */
static char *in_use;  /* in_use[i]: slot i belongs to a live thread */
static size_t cap;
static long exited;

/* Stored in the tss as index + 1, so that slot 0 is not NULL. */
static void release(void *p)
{
    size_t i = (size_t)(uintptr_t)p - 1;
    mtx_lock(&lock);
    exited += counts[i];
    counts[i] = 0;
    in_use[i] = 0;
    mtx_unlock(&lock);
}

static void init(void)
{
    if (mtx_init(&lock, mtx_plain) != thrd_success || tss_create(&key, release) != thrd_success)
        abort();
}

static void out_of_memory(void)
{
    fprintf(stderr, "tally: out of memory\n");
    abort();
}

/* The caller's slot index; the lock is held. */
static size_t my_index(void)
{
    void *p = tss_get(key);
    if (p)
        return (size_t)(uintptr_t)p - 1;
    size_t i = 0;
    while (i < cap && in_use[i])
        i++;
    if (i == cap) {
        size_t ncap = cap ? cap * 2 : 16;
        long *nc = realloc(counts, ncap * sizeof *nc);
        if (!nc)
            out_of_memory();
        counts = nc;
        char *nu = realloc(in_use, ncap);
        if (!nu)
            out_of_memory();
        in_use = nu;
        for (size_t j = cap; j < ncap; j++) {
            counts[j] = 0;
            in_use[j] = 0;
        }
        cap = ncap;
    }
    in_use[i] = 1;
    counts[i] = 0;
    if (tss_set(key, (void *)(uintptr_t)(i + 1)) != thrd_success)
        out_of_memory();
    return i;
}

void tally_add(long v)
{
    call_once(&once, init);
    mtx_lock(&lock);
    size_t i = my_index(); /* first: it may move the array */
    counts[i] += v;
    mtx_unlock(&lock);
}

long tally_mine(void)
{
    call_once(&once, init);
    mtx_lock(&lock);
    size_t i = my_index();
    long c = counts[i];
    mtx_unlock(&lock);
    return c;
}

long tally_total(void)
{
    call_once(&once, init);
    mtx_lock(&lock);
    long sum = exited;
    for (size_t i = 0; i < cap; i++)
        sum += counts[i];
    mtx_unlock(&lock);
    return sum;
}

void tally_reset(void)
{
    call_once(&once, init);
    mtx_lock(&lock);
    exited = 0;
    for (size_t i = 0; i < cap; i++)
        counts[i] = 0;
    mtx_unlock(&lock);
}
