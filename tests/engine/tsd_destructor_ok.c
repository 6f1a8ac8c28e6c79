/* tsd_destructor_ok.c - sample for `grader stress`: each worker keeps a
 * per-thread tally in thread-specific data; the key's destructor, run as the
 * thread exits, adds it to the total under the total's mutex (a pthread key
 * and a C11 tss key, both). The destructors run after the engine's own exit
 * hook has been called once: the thread is still running then, so a main
 * thread waiting for the mutex meanwhile is no deadlock.
 * expect: ok */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <threads.h>

#define WORKERS 4
#define ROUNDS 200

static pthread_mutex_t total_lock = PTHREAD_MUTEX_INITIALIZER;
static long total = 0;
static pthread_key_t tally_key;
static tss_t c11_tally_key;

static void add_to_total(void *p)
{
    long *tally = p;
    pthread_mutex_lock(&total_lock);
    total += *tally;
    pthread_mutex_unlock(&total_lock);
    free(tally);
}

static void *worker(void *unused)
{
    (void)unused;
    long *tally = calloc(1, sizeof *tally), *c11_tally = calloc(1, sizeof *c11_tally);
    if (!tally || !c11_tally)
        abort();
    pthread_setspecific(tally_key, tally);
    tss_set(c11_tally_key, c11_tally);
    for (int i = 0; i < ROUNDS; i++) {
        ++*tally;
        ++*c11_tally;
        pthread_mutex_lock(&total_lock); /* a sync point: noise runs here */
        pthread_mutex_unlock(&total_lock);
    }
    return NULL;
}

int main(void)
{
    if (pthread_key_create(&tally_key, add_to_total) != 0 ||
        tss_create(&c11_tally_key, add_to_total) != thrd_success)
        return 1;
    pthread_t t[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    long seen;
    do { /* polls the total while the destructors run */
        pthread_mutex_lock(&total_lock);
        seen = total;
        pthread_mutex_unlock(&total_lock);
    } while (seen < 2L * WORKERS * ROUNDS);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
    printf("total=%ld\n", total);
    return total == 2L * WORKERS * ROUNDS ? 0 : 1;
}
