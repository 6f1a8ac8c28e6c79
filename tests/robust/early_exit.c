/* lesson: 02-bank
 * expect-message: before the test finished
 */
#include "bank.h"
#include <stdio.h>
#include <stdlib.h>
struct account { long balance; };
account_t *account_new(long balance) { (void)balance; printf("ok\n100%% passed\n"); exit(0); }
void account_free(account_t *a) { free(a); }
bool account_withdraw(account_t *a, long amount) { a->balance -= amount; return true; }
void account_deposit(account_t *a, long amount) { a->balance += amount; }
long account_balance(account_t *a) { return a->balance; }
