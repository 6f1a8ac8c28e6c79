/* BUG: no lock at all: two threads adding at once can both read the same old
 * total, and one addition is lost (ThreadSanitizer reports the data race).
 * expect: race */
#include "@slug@.h"

#include <stdlib.h>

struct @slug@ {
    long total;
};

@slug@_t *@slug@_new(void)
{
    return calloc(1, sizeof(@slug@_t));
}

void @slug@_free(@slug@_t *c)
{
    free(c);
}

void @slug@_add(@slug@_t *c, long n)
{
    c->total += n;
}

long @slug@_total(@slug@_t *c)
{
    return c->total;
}
