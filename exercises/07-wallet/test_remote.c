/* test_remote.c - carries lesson 07's API from the tests to your wallet.c.
 *
 * The tests run in a process of their own (the judge); your code runs in
 * another (the subject). Each function below, on the tests' side, sends the
 * call to your process, where the matching do_ function makes it. You never
 * need to read or change this file: it is how the grader keeps its verdict
 * out of reach of the code it grades.
 */
#include "remote.h"
#include "wallet.h"

enum { F_NEW, F_FREE, F_PUT, F_TAKE, F_TAKE_TIMEOUT, F_BALANCE };
REMOTE_NAMES("wallet_new", "wallet_free", "wallet_put", "wallet_take", "wallet_take_timeout",
             "wallet_balance");

#ifdef REMOTE_JUDGE
wallet_t *wallet_new(long balance) { return REMOTE_AS_PTR(REMOTE_CALL(F_NEW, (uint64_t)balance)); }
void wallet_free(wallet_t *w) { REMOTE_CALL(F_FREE, REMOTE_PTR_ARG(w)); }
void wallet_put(wallet_t *w, long amount) { REMOTE_CALL(F_PUT, REMOTE_PTR_ARG(w), (uint64_t)amount); }
void wallet_take(wallet_t *w, long amount) { REMOTE_CALL(F_TAKE, REMOTE_PTR_ARG(w), (uint64_t)amount); }
bool wallet_take_timeout(wallet_t *w, long amount, unsigned ms)
{
    return REMOTE_CALL(F_TAKE_TIMEOUT, REMOTE_PTR_ARG(w), (uint64_t)amount, (uint64_t)ms) != 0;
}
long wallet_balance(wallet_t *w) { return (long)REMOTE_CALL(F_BALANCE, REMOTE_PTR_ARG(w)); }
#endif

#ifdef REMOTE_SUBJECT
static uint64_t do_new(remote_args *a) { return REMOTE_PTR_ARG(wallet_new((long)a->arg[0])); }
static uint64_t do_free(remote_args *a)
{
    wallet_free(REMOTE_AS_PTR(a->arg[0]));
    return 0;
}
static uint64_t do_put(remote_args *a)
{
    wallet_put(REMOTE_AS_PTR(a->arg[0]), (long)a->arg[1]);
    return 0;
}
static uint64_t do_take(remote_args *a)
{
    wallet_take(REMOTE_AS_PTR(a->arg[0]), (long)a->arg[1]);
    return 0;
}
static uint64_t do_take_timeout(remote_args *a)
{
    return wallet_take_timeout(REMOTE_AS_PTR(a->arg[0]), (long)a->arg[1], (unsigned)a->arg[2]);
}
static uint64_t do_balance(remote_args *a) { return (uint64_t)wallet_balance(REMOTE_AS_PTR(a->arg[0])); }
REMOTE_FUNCTIONS(do_new, do_free, do_put, do_take, do_take_timeout, do_balance);
REMOTE_LEAVES();
#endif
