/* lesson: 02-bank
 * The racy bank's unlocked read is kept from ThreadSanitizer by
 * no_sanitize_thread, spelled through token pasting so no source line names it.
 * Contained: the preprocessed text names it, and the build refuses it.
 * expect-status: forbidden
 * expect-max-score: 0
 * expect-message: bank\.c:[0-9]+: uses `no_sanitize_thread`
 */
#include "bank.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GLUE(a, b) a##b
#define QUIET __attribute__((GLUE(no_sanitize, _thread)))

@LOCKED_BANK@

QUIET long account_balance(account_t *a)
{
    return a->balance;
}
