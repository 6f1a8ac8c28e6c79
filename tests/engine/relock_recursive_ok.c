/* relock_recursive_ok.c - sample for `grader stress`: the twin of
 * misuse_relock.c with a recursive mutex, which one thread may lock again
 * while it holds it: not a misuse, stress must report ok. An error-checking
 * mutex's refusal, tested by the caller, is not reported either.
 * expect: ok */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock;
static long balance, fees;

static void deposit(long n)
{
    pthread_mutex_lock(&lock);
    balance += n;
    pthread_mutex_unlock(&lock);
}

static void deposit_with_fee(long n)
{
    pthread_mutex_lock(&lock);
    fees += 1;
    deposit(n - 1);
    pthread_mutex_unlock(&lock);
}

static void *depositor(void *unused)
{
    (void)unused;
    for (int i = 0; i < 200; i++)
        deposit_with_fee(10);
    return NULL;
}

int main(void)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&lock, &a);
    pthread_mutexattr_destroy(&a);
    pthread_t t1, t2;
    pthread_create(&t1, NULL, depositor, NULL);
    pthread_create(&t2, NULL, depositor, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    pthread_mutex_destroy(&lock);
    printf("balance=%ld fees=%ld\n", balance, fees);
    return balance == 3600 && fees == 400 ? 0 : 1;
}
