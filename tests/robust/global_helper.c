/* lesson: 02-bank
 * expect-status: forbidden
 * expect-message: make it static
 */
#include "bank.h"
#include <stdlib.h>
struct account { long balance; };
long total_accounts;
account_t *account_new(long balance) { total_accounts++; account_t *a = malloc(sizeof *a); a->balance = balance; return a; }
void account_free(account_t *a) { free(a); }
bool account_withdraw(account_t *a, long amount) { a->balance -= amount; return true; }
void account_deposit(account_t *a, long amount) { a->balance += amount; }
long account_balance(account_t *a) { return a->balance; }
