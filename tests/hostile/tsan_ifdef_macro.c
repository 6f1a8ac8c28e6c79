/* lesson: 02-bank
 * The racy bank (an unlocked read in account_balance) locks only where
 * __SANITIZE_THREAD__ says ThreadSanitizer is watching. Contained: the file is
 * preprocessed once with the macro undefined, so the race runs under TSan too.
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
#ifdef __SANITIZE_THREAD__
    pthread_mutex_lock(&a->lock);
    long b = a->balance;
    pthread_mutex_unlock(&a->lock);
    return b;
#else
    return a->balance;
#endif
}
