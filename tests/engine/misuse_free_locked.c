/* misuse_free_locked.c - sample for `grader stress`: closing an account
 * frees it while its mutex is still locked: another thread waiting for
 * that mutex would wait on freed memory.
 * expect: misuse */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct account {
    pthread_mutex_t lock;
    long balance;
} account;

static long close_account(account *a)
{
    pthread_mutex_lock(&a->lock);
    long left = a->balance;
    free(a); /* misuse here */
    return left;
}

int main(void)
{
    account *a = malloc(sizeof *a);
    if (!a)
        return 1;
    pthread_mutex_init(&a->lock, NULL);
    a->balance = 42;
    printf("closed with %ld\n", close_account(a));
    return 0;
}
