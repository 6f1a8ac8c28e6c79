/* lesson: 02-bank
 * Tells the ThreadSanitizer run by its mapped libraries (libtsan.so in
 * /proc/self/maps) and locks there alone. Contained: TSan is linked
 * statically, so no mapping names the library. (Other tells remain, and no
 * test here pretends otherwise: TSan's "tsan.rodata" mapping, its shadow
 * memory, RLIMIT_AS, the binary's size, the code's own bytes.)
 * expect-max-score: 8.5
 * expect-message: ThreadSanitizer: data race.*account_balance
 */
#include "bank.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tsan_mapped = -1;
static pthread_mutex_t probe = PTHREAD_MUTEX_INITIALIZER;

static bool under_tsan(void)
{
    pthread_mutex_lock(&probe);
    if (tsan_mapped < 0) {
        tsan_mapped = 0;
        FILE *f = fopen("/proc/self/maps", "r");
        char line[512];
        while (f && fgets(line, sizeof line, f))
            if (strstr(line, "libtsan"))
                tsan_mapped = 1;
        if (f)
            fclose(f);
    }
    bool yes = tsan_mapped;
    pthread_mutex_unlock(&probe);
    return yes;
}

@LOCKED_BANK@

long account_balance(account_t *a)
{
    if (under_tsan()) {
        pthread_mutex_lock(&a->lock);
        long b = a->balance;
        pthread_mutex_unlock(&a->lock);
        return b;
    }
    return a->balance;
}
