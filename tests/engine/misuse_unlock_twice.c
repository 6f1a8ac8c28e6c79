/* misuse_unlock_twice.c - sample for `grader stress`: a withdrawal unlocks
 * on its refusal path and then again at the end, so a refused withdrawal
 * unlocks a mutex it no longer holds (or that another thread now holds).
 * expect: misuse */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long balance = 100;

static int withdraw(long n)
{
    int ok = 1;
    pthread_mutex_lock(&lock);
    if (balance < n) {
        ok = 0;
        pthread_mutex_unlock(&lock); /* BUG: unlocked here and below */
    } else {
        balance -= n;
    }
    pthread_mutex_unlock(&lock); /* misuse here */
    return ok;
}

static void *spender(void *unused)
{
    (void)unused;
    for (int i = 0; i < 100; i++)
        withdraw(3);
    return NULL;
}

int main(void)
{
    pthread_t t1, t2;
    pthread_create(&t1, NULL, spender, NULL);
    pthread_create(&t2, NULL, spender, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    printf("balance=%ld\n", balance);
    return 0;
}
