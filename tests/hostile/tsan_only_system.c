/* lesson: 02-bank
 * system() present only in the ThreadSanitizer build, where the forbidden-call
 * check never looked; that build also locks, so the racy bank passes. Contained:
 * no flavour-only code exists, and the TSan object gets every check.
 * expect-max-score: 8.5
 * expect-message: ThreadSanitizer: data race.*account_balance
 */
#include "bank.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tsan_run = -1;
static pthread_mutex_t probe = PTHREAD_MUTEX_INITIALIZER;

static bool shell_ran(void)
{
    pthread_mutex_lock(&probe);
    if (tsan_run < 0) {
        tsan_run = 0;
#ifdef __SANITIZE_THREAD__
        if (system("true") >= -1)
            tsan_run = 1;
#endif
    }
    bool yes = tsan_run;
    pthread_mutex_unlock(&probe);
    return yes;
}

@LOCKED_BANK@

long account_balance(account_t *a)
{
    if (shell_ran()) {
        pthread_mutex_lock(&a->lock);
        long b = a->balance;
        pthread_mutex_unlock(&a->lock);
        return b;
    }
    return a->balance;
}
