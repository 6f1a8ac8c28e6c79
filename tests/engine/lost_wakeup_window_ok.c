/* lost_wakeup_window_ok.c - the correct twin of lost_wakeup_window.c: the
 * setter changes the flag under the waiter's mutex (and broadcasts after
 * unlocking, which is fine), so it cannot land between the waiter's check
 * and its wait. The engine's pause before each wait ends as soon as the
 * setter blocks on the mutex; every trial finishes.
 * expect: ok */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static bool set;
static atomic_bool started;

static void *waiter(void *unused)
{
    (void)unused;
    atomic_store(&started, true);
    pthread_mutex_lock(&lock);
    while (!set)
        pthread_cond_wait(&changed, &lock);
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    for (int trial = 0; trial < 200; trial++) {
        set = false; /* no waiter runs: the last one was joined */
        atomic_store(&started, false);
        pthread_t t;
        pthread_create(&t, NULL, waiter, NULL);
        while (!atomic_load(&started))
            ;
        pthread_mutex_lock(&lock);
        set = true;
        pthread_mutex_unlock(&lock);
        pthread_cond_broadcast(&changed);
        pthread_join(t, NULL);
    }
    return 0;
}
