/* test_remote.c - carries lesson 03's API from the tests to your transfer.c.
 *
 * The tests run in a process of their own (the judge); your code runs in
 * another (the subject). Each function below, on the tests' side, sends the
 * call to your process, where the matching do_ function makes it. You never
 * need to read or change this file: it is how the grader keeps its verdict
 * out of reach of the code it grades.
 */
#include "remote.h"
#include "transfer.h"

enum { F_NEW, F_FREE, F_TRANSFER, F_BALANCE, F_TOTAL };
REMOTE_NAMES("bank_new", "bank_free", "bank_transfer", "bank_balance", "bank_total");

#ifdef REMOTE_JUDGE
bank_t *bank_new(size_t accounts, long initial_balance)
{
    return REMOTE_AS_PTR(REMOTE_CALL(F_NEW, (uint64_t)accounts, (uint64_t)initial_balance));
}
void bank_free(bank_t *b) { REMOTE_CALL(F_FREE, REMOTE_PTR_ARG(b)); }
bool bank_transfer(bank_t *b, size_t from, size_t to, long amount)
{
    return REMOTE_CALL(F_TRANSFER, REMOTE_PTR_ARG(b), (uint64_t)from, (uint64_t)to,
                       (uint64_t)amount) != 0;
}
long bank_balance(bank_t *b, size_t account)
{
    return (long)REMOTE_CALL(F_BALANCE, REMOTE_PTR_ARG(b), (uint64_t)account);
}
long bank_total(bank_t *b) { return (long)REMOTE_CALL(F_TOTAL, REMOTE_PTR_ARG(b)); }
#endif

#ifdef REMOTE_SUBJECT
static uint64_t do_new(remote_args *a)
{
    return REMOTE_PTR_ARG(bank_new((size_t)a->arg[0], (long)a->arg[1]));
}
static uint64_t do_free(remote_args *a)
{
    bank_free(REMOTE_AS_PTR(a->arg[0]));
    return 0;
}
static uint64_t do_transfer(remote_args *a)
{
    return bank_transfer(REMOTE_AS_PTR(a->arg[0]), (size_t)a->arg[1], (size_t)a->arg[2],
                         (long)a->arg[3]);
}
static uint64_t do_balance(remote_args *a)
{
    return (uint64_t)bank_balance(REMOTE_AS_PTR(a->arg[0]), (size_t)a->arg[1]);
}
static uint64_t do_total(remote_args *a) { return (uint64_t)bank_total(REMOTE_AS_PTR(a->arg[0])); }
REMOTE_FUNCTIONS(do_new, do_free, do_transfer, do_balance, do_total);
REMOTE_LEAVES();
#endif
