/* BUG: each thread keeps its count in a _Thread_local variable (that part
 * is right), and a global total gets every add, but without a lock: two
 * threads adding at once both read the same old total and one add is lost.
 * ThreadSanitizer reports the data race on `total`.
 * expect: race */
#include "local.h"

static _Thread_local long mine;
static long total;

void tally_add(long v)
{
    mine += v;
    total += v;
}

long tally_mine(void)
{
    return mine;
}

long tally_total(void)
{
    return total;
}

void tally_reset(void)
{
    total = 0;
    mine = 0;
}
