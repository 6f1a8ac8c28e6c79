/* test_remote.c - carries lesson 02's API from the tests to your bank.c.
 *
 * The tests run in a process of their own (the judge); your code runs in
 * another (the subject). Each function below, on the tests' side, sends the
 * call to your process, where the matching do_ function makes it. You never
 * need to read or change this file: it is how the grader keeps its verdict
 * out of reach of the code it grades.
 */
#include "remote.h"
#include "bank.h"

enum { F_NEW, F_FREE, F_WITHDRAW, F_DEPOSIT, F_BALANCE };
REMOTE_NAMES("account_new", "account_free", "account_withdraw", "account_deposit",
             "account_balance");

#ifdef REMOTE_JUDGE
account_t *account_new(long balance) { return REMOTE_AS_PTR(REMOTE_CALL(F_NEW, (uint64_t)balance)); }
void account_free(account_t *a) { REMOTE_CALL(F_FREE, REMOTE_PTR_ARG(a)); }
bool account_withdraw(account_t *a, long amount)
{
    return REMOTE_CALL(F_WITHDRAW, REMOTE_PTR_ARG(a), (uint64_t)amount) != 0;
}
void account_deposit(account_t *a, long amount)
{
    REMOTE_CALL(F_DEPOSIT, REMOTE_PTR_ARG(a), (uint64_t)amount);
}
long account_balance(account_t *a) { return (long)REMOTE_CALL(F_BALANCE, REMOTE_PTR_ARG(a)); }
#endif

#ifdef REMOTE_SUBJECT
static uint64_t do_new(remote_args *a) { return REMOTE_PTR_ARG(account_new((long)a->arg[0])); }
static uint64_t do_free(remote_args *a)
{
    account_free(REMOTE_AS_PTR(a->arg[0]));
    return 0;
}
static uint64_t do_withdraw(remote_args *a)
{
    return account_withdraw(REMOTE_AS_PTR(a->arg[0]), (long)a->arg[1]);
}
static uint64_t do_deposit(remote_args *a)
{
    account_deposit(REMOTE_AS_PTR(a->arg[0]), (long)a->arg[1]);
    return 0;
}
static uint64_t do_balance(remote_args *a) { return (uint64_t)account_balance(REMOTE_AS_PTR(a->arg[0])); }
REMOTE_FUNCTIONS(do_new, do_free, do_withdraw, do_deposit, do_balance);
REMOTE_LEAVES();
#endif
