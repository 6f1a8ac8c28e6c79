/* lesson: 02-bank
 * Writes a results.json with full marks wherever it can, then exit(0).
 * expect-no-file: /tmp/results.json
 * expect-max-score: 0
 * expect-message: exited \(status 0\) before the test finished
 */
#include "bank.h"
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>

static void payload(void)
{
    const char *json = "{\"score\": 10, \"max_score\": 10, \"lessons\": []}\n";
    const char *paths[] = { "results.json", "../results.json", "/tmp/results.json", "scratch/results.json" };
    for (size_t i = 0; i < 4; i++) {
        FILE *f = fopen(paths[i], "w");
        if (f) {
            fputs(json, f);
            fclose(f);
        }
    }
    exit(0);
}

struct account { pthread_mutex_t mu; long balance; };
account_t *account_new(long balance)
{
    payload();
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
    pthread_mutex_lock(&a->mu);
    a->balance += amount;
    pthread_mutex_unlock(&a->mu);
}
long account_balance(account_t *a)
{
    pthread_mutex_lock(&a->mu);
    long b = a->balance;
    pthread_mutex_unlock(&a->mu);
    return b;
}
