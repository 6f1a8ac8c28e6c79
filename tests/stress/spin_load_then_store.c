/* spin_load_then_store.c - sample for `grader stress prog.c` (source mode):
 * a spin lock built on C11 atomics that tests the flag with a load and then
 * takes it with a separate store (not one exchange). Two threads can both
 * see it free between the two: both are inside at once, and the counter the
 * lock guards loses updates. There is no pthread call for noise to hit; the
 * ThreadSanitizer build's atomic operations are where the engine pauses.
 * expect: race */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#define THREADS 4
#define ROUNDS 200
static atomic_bool busy;
static long counter;

static void spin_lock(void)
{
    for (;;) {
        while (atomic_load(&busy))
            ;
        atomic_store(&busy, true); /* BUG: another thread may have taken it since the load */
        return;
    }
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
    /* No assert on the count: a plain run that happens to lose an update
     * would end the stress run before its first TSan run, which is what
     * this sample is about (the status would be "assertion"). */
    return counter > 0 ? 0 : 1;
}
