/* lost_wakeup_window.c - sample for `grader stress`: the setter stores an
 * atomic flag and broadcasts without the waiter's mutex. A waiter that has
 * checked the flag (under the mutex) and is on its way into the wait misses
 * the broadcast and sleeps forever. The window is a few instructions wide;
 * the engine holds it open at every condition wait (waitpause.c), so the
 * first trial whose set comes after the check loses its wake-up.
 * expect: timeout */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static atomic_bool set, started;

static void *waiter(void *unused)
{
    (void)unused;
    atomic_store(&started, true);
    pthread_mutex_lock(&lock);
    while (!atomic_load(&set))
        pthread_cond_wait(&changed, &lock);
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    for (int trial = 0; trial < 200; trial++) {
        atomic_store(&set, false);
        atomic_store(&started, false);
        pthread_t t;
        pthread_create(&t, NULL, waiter, NULL);
        while (!atomic_load(&started))
            ;
        atomic_store(&set, true);
        pthread_cond_broadcast(&changed); /* BUG: without the mutex */
        pthread_join(t, NULL);
    }
    return 0;
}
