/* misuse_relock.c - sample for `grader stress`: transfer() holds the
 * account's mutex and calls deposit(), which locks it again. The mutex is
 * not recursive: the thread waits for itself forever.
 * expect: misuse */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long balance, fees;

static void deposit(long n)
{
    pthread_mutex_lock(&lock); /* misuse here */
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

int main(void)
{
    deposit(10);
    deposit_with_fee(10);
    printf("balance=%ld fees=%ld\n", balance, fees);
    return 0;
}
