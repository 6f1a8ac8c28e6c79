/* lesson: 02-bank
 * Reaches for Check's internals, as code that ran inside the tests' process
 * could: asks the runner for its failure count (srunner_ntests_failed),
 * sends Check's own "this test's context ended" message (send_ctx_info)
 * and longjmps into Check's error_jmp_buffer, Check's way out of a test,
 * all from account_new. Check now lives in the judge alone, a process that
 * never maps the student's code: none of these names exists where the bank
 * is linked, so the build must fail; the linker names each one (the proof
 * that each was reached for).
 * expect-status: compile_error
 * expect-max-score: 0
 * expect-message: undefined reference to `srunner_ntests_failed'
 * expect-message: undefined reference to `send_ctx_info'
 * expect-message: undefined reference to `error_jmp_buffer'
 */
#include "bank.h"
#include <pthread.h>
#include <setjmp.h>
#include <stdlib.h>

/* Check's own declarations (check.h, check_msg.h, check_run.c). */
typedef struct SRunner SRunner;
int srunner_ntests_failed(SRunner *sr);
void send_ctx_info(int ctx);
extern jmp_buf error_jmp_buffer;
enum { CK_CTX_TEARDOWN = 2 };

/* In the tests' process this would end the test as passed: the context
 * closes cleanly and control jumps back into Check's runner. */
static void fool_check(void)
{
    if (srunner_ntests_failed(NULL) >= 0) {
        send_ctx_info(CK_CTX_TEARDOWN);
        longjmp(error_jmp_buffer, 1);
    }
}

struct account { pthread_mutex_t lock; long balance; };

account_t *account_new(long balance)
{
    fool_check();
    account_t *a = malloc(sizeof *a);
    if (!a)
        return NULL;
    pthread_mutex_init(&a->lock, NULL);
    a->balance = balance;
    return a;
}
void account_free(account_t *a) { if (a) { pthread_mutex_destroy(&a->lock); free(a); } }
bool account_withdraw(account_t *a, long amount)
{
    pthread_mutex_lock(&a->lock);
    bool ok = a->balance >= amount;
    if (ok)
        a->balance -= amount;
    pthread_mutex_unlock(&a->lock);
    return ok;
}
void account_deposit(account_t *a, long amount)
{
    pthread_mutex_lock(&a->lock);
    a->balance += amount;
    pthread_mutex_unlock(&a->lock);
}
long account_balance(account_t *a)
{
    pthread_mutex_lock(&a->lock);
    long b = a->balance;
    pthread_mutex_unlock(&a->lock);
    return b;
}
