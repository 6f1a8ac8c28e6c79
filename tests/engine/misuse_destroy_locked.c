/* misuse_destroy_locked.c - sample for `grader stress`: closing an account
 * destroys its mutex while still holding it (the unlock comes after).
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
    a->balance = 0;
    pthread_mutex_destroy(&a->lock); /* misuse here */
    pthread_mutex_unlock(&a->lock);
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
    free(a);
    return 0;
}
