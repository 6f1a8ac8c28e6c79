/* lesson: 02-bank
 * expect-test: crashed
 * expect-max-score: 2
 * expect-message: in account_withdraw \(bank\.c:[0-9]+\)
 */
#include "bank.h"
#include <stdlib.h>
struct account { long balance; };
account_t *account_new(long balance) { account_t *a = malloc(sizeof *a); a->balance = balance; return a; }
void account_free(account_t *a) { free(a); }
bool account_withdraw(account_t *a, long amount)
{
    volatile long *p = NULL;
    *p = amount; /* crash here */
    return a != NULL;
}
void account_deposit(account_t *a, long amount) { a->balance += amount; }
long account_balance(account_t *a) { return a->balance; }
