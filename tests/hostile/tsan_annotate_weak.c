/* lesson: 02-bank
 * ThreadSanitizer exports its annotations: a weak reference to
 * AnnotateIgnoreReadsBegin is null in the plain build and TSan's in the other,
 * so the racy read is hidden from TSan alone. Contained: weak references and
 * annotations are refused, with the symbol and its line.
 * expect-status: forbidden
 * expect-max-score: 0
 * expect-message: `AnnotateIgnoreReads(Begin|End)` \(bank\.c:[0-9]+\)
 */
#include "bank.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern void AnnotateIgnoreReadsBegin(const char *file, int line) __attribute__((weak));
extern void AnnotateIgnoreReadsEnd(const char *file, int line) __attribute__((weak));

@LOCKED_BANK@

long account_balance(account_t *a)
{
    if (AnnotateIgnoreReadsBegin)
        AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
    long b = a->balance;
    if (AnnotateIgnoreReadsEnd)
        AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
    return b;
}
