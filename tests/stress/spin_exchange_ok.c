/* spin_exchange_ok.c - the correct twin of spin_load_then_store.c: the
 * flag is taken with one atomic exchange (test-and-test-and-set), so only
 * one thread at a time is inside. Both flavours must say ok.
 * expect: ok */
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#define THREADS 4
#define ROUNDS 200
static atomic_bool busy;
static long counter;

static void spin_lock(void)
{
    while (atomic_exchange(&busy, true))
        while (atomic_load(&busy))
            ;
}

static void spin_unlock(void) { atomic_store(&busy, false); }

static void *worker(void *unused)
{
    (void)unused;
    for (int i = 0; i < ROUNDS; i++) {
        spin_lock();
        counter++;
        spin_unlock();
    }
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    assert(counter == THREADS * ROUNDS);
    return 0;
}
