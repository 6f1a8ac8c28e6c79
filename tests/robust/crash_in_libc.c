/* lesson: 02-bank
 * expect-test: crashed
 * expect-max-score: 2
 * expect-message: in account_withdraw \(bank\.c:[0-9]+\)
 *
 * The crash happens inside the C library (strlen of a bad pointer), called
 * from the student's account_withdraw: the message names the first frame in
 * the student's file, not the library's.
 */
#include "bank.h"
#include <stdlib.h>
#include <string.h>
struct account { long balance; };
account_t *account_new(long balance) { account_t *a = malloc(sizeof *a); a->balance = balance; return a; }
void account_free(account_t *a) { free(a); }
static const char *volatile no_name = (const char *)16;
bool account_withdraw(account_t *a, long amount)
{
    size_t n = strlen(no_name); /* crash in libc */
    a->balance -= amount + (long)n;
    return true;
}
void account_deposit(account_t *a, long amount) { a->balance += amount; }
long account_balance(account_t *a) { return a->balance; }
