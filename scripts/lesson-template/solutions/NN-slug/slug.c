/* @slug@.c - lesson @num@, reference solution: one mutex guards the total. */
#include "@slug@.h"

#include <pthread.h>
#include <stdlib.h>

struct @slug@ {
    pthread_mutex_t lock;
    long total;
};

@slug@_t *@slug@_new(void)
{
    @slug@_t *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    pthread_mutex_init(&c->lock, NULL);
    c->total = 0;
    return c;
}

void @slug@_free(@slug@_t *c)
{
    if (!c)
        return;
    pthread_mutex_destroy(&c->lock);
    free(c);
}

void @slug@_add(@slug@_t *c, long n)
{
    pthread_mutex_lock(&c->lock);
    c->total += n;
    pthread_mutex_unlock(&c->lock);
}

long @slug@_total(@slug@_t *c)
{
    pthread_mutex_lock(&c->lock);
    long t = c->total;
    pthread_mutex_unlock(&c->lock);
    return t;
}
