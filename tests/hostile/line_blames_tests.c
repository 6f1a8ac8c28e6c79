/* lesson: 02-bank
 * expect-max-score: 7
 * expect-message: ^ThreadSanitizer: data race: .* in account_deposit \(bank\.c, which a #line calls "test_public\.c:[0-9]+"\)
 * expect-not-message: in the tests' or the library's code
 * (a racy bank whose file says, through `#line`, that it is the course's
 * test_public.c: ThreadSanitizer's report named the tests' file, and the
 * grader blamed "the tests' or the library's code" for the student's race.
 * Blame now goes by address: the student's object's range in the binary.
 * The honest twin (the same race without the #line) scores 7 of 10)
 */
#include "bank.h"
#include <pthread.h>
#include <stdlib.h>

#line 1 "test_public.c"
struct account { pthread_mutex_t mu; long balance; };
account_t *account_new(long balance)
{
    account_t *a = malloc(sizeof *a);
    if (!a)
        return NULL;
    pthread_mutex_init(&a->mu, NULL);
    a->balance = balance;
    return a;
}
void account_free(account_t *a) { pthread_mutex_destroy(&a->mu); free(a); }
bool account_withdraw(account_t *a, long amount)
{
    pthread_mutex_lock(&a->mu);
    bool ok = a->balance >= amount;
    if (ok)
        a->balance -= amount;
    pthread_mutex_unlock(&a->mu);
    return ok;
}
void account_deposit(account_t *a, long amount)
{
    long b = a->balance; /* no lock: a lost update, a data race */
    a->balance = b + amount;
}
long account_balance(account_t *a)
{
    pthread_mutex_lock(&a->mu);
    long b = a->balance;
    pthread_mutex_unlock(&a->mu);
    return b;
}
