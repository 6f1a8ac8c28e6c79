/* lesson: 02-bank
 * A __tsan_default_options that turns reports off (report_bugs=0), defined
 * only in the ThreadSanitizer build, where no object check looked. Contained:
 * the macro is undefined, so the racy bank meets TSan with the grader's options
 * (and the symbol itself is refused in either object).
 * expect-max-score: 8.5
 * expect-message: ThreadSanitizer: data race.*account_balance
 */
#include "bank.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SANITIZE_THREAD__
const char *__tsan_default_options(void);
const char *__tsan_default_options(void) { return "report_bugs=0"; }
#endif

@LOCKED_BANK@

long account_balance(account_t *a)
{
    return a->balance;
}
