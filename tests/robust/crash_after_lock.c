/* lesson: 02-bank
 * expect-test: crashed
 * expect-max-score: 4
 * expect-message: in account_withdraw \(bank\.c:[0-9]+\)
 * expect-timeline: ^T[0-9]+ bank\.c:19 lock\(m1\)$
 *
 * A crash while a mutex is held: the message names the crashing line, and
 * the failure's timeline (written by the crash handler after the crash
 * record) shows the lock taken just before it, at its line (19).
 */
#include "bank.h"
#include <pthread.h>
#include <stdlib.h>
struct account { pthread_mutex_t m; long balance; };
account_t *account_new(long balance) { account_t *a = malloc(sizeof *a); pthread_mutex_init(&a->m, NULL); a->balance = balance; return a; }
void account_free(account_t *a) { pthread_mutex_destroy(&a->m); free(a); }
bool account_withdraw(account_t *a, long amount)
{
    pthread_mutex_lock(&a->m);
    if (amount > 100) { volatile long *p = NULL; *p = amount; } /* crash, m1 held */
    a->balance -= amount;
    pthread_mutex_unlock(&a->m);
    return true;
}
void account_deposit(account_t *a, long amount) { pthread_mutex_lock(&a->m); a->balance += amount; pthread_mutex_unlock(&a->m); }
long account_balance(account_t *a) { pthread_mutex_lock(&a->m); long b = a->balance; pthread_mutex_unlock(&a->m); return b; }
