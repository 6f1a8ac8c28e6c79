/* lesson: 02-bank
 * slow: yes (started first: it runs into time limits or fills its limits)
 * expect-test: timeout
 * expect-max-score: 2
 * expect-message: did not finish
 */
#include "bank.h"
#include <stdlib.h>
#include <unistd.h>
struct account { long balance; };
account_t *account_new(long balance) { account_t *a = malloc(sizeof *a); a->balance = balance; return a; }
void account_free(account_t *a) { free(a); }
bool account_withdraw(account_t *a, long amount) { (void)a; (void)amount; for (;;) pause(); }
void account_deposit(account_t *a, long amount) { a->balance += amount; }
long account_balance(account_t *a) { return a->balance; }
