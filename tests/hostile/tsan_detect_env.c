/* lesson: 02-bank
 * Tells the ThreadSanitizer run by its environment (TSAN_OPTIONS was set in
 * TSan runs only) and locks there alone. Contained: both flavours run with
 * the same environment, and TSan's options no longer come from it.
 * expect-max-score: 8.5
 * expect-message: ThreadSanitizer: data race.*account_balance
 */
#include "bank.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

@LOCKED_BANK@

long account_balance(account_t *a)
{
    if (getenv("TSAN_OPTIONS")) {
        pthread_mutex_lock(&a->lock);
        long b = a->balance;
        pthread_mutex_unlock(&a->lock);
        return b;
    }
    return a->balance;
}
