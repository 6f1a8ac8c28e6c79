/* lesson: 02-bank
 * A constructor present only in the ThreadSanitizer build (the object checks
 * read the plain one): it runs before main, unchecked, and marks the run so
 * the racy bank locks there alone. Contained: no flavour-only code exists (the
 * macro is undefined), and the TSan object gets the constructor check too.
 * expect-max-score: 8.5
 * expect-message: ThreadSanitizer: data race.*account_balance
 */
#include "bank.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tsan_run;
#ifdef __SANITIZE_THREAD__
__attribute__((constructor)) static void mark(void) { tsan_run = 1; }
#endif

@LOCKED_BANK@

long account_balance(account_t *a)
{
    if (tsan_run) {
        pthread_mutex_lock(&a->lock);
        long b = a->balance;
        pthread_mutex_unlock(&a->lock);
        return b;
    }
    return a->balance;
}
