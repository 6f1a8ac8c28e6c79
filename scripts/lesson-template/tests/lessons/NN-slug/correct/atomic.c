/* A correct alternative: the total is one C11 atomic, no lock. Must get full
 * marks. */
#include "@slug@.h"

#include <stdatomic.h>
#include <stdlib.h>

struct @slug@ {
    atomic_long total;
};

@slug@_t *@slug@_new(void)
{
    @slug@_t *c = malloc(sizeof *c);
    if (c)
        atomic_init(&c->total, 0);
    return c;
}

void @slug@_free(@slug@_t *c)
{
    free(c);
}

void @slug@_add(@slug@_t *c, long n)
{
    atomic_fetch_add(&c->total, n);
}

long @slug@_total(@slug@_t *c)
{
    return atomic_load(&c->total);
}
