/* lost_wakeup.c - sample for `grader stress`: the waiter checks the flag
 * without the lock, then waits; a signal sent in between is lost and it
 * sleeps forever. The hang report names the condition wait.
 * expect: timeout */
#include <pthread.h>
#include <stdatomic.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static atomic_int ready;

static void *setter(void *unused)
{
    (void)unused;
    atomic_store(&ready, 1);
    pthread_cond_signal(&cv); /* without the lock: may come before the wait */
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_mutex_lock(&lock);
    pthread_create(&t, NULL, setter, NULL);
    pthread_join(t, NULL); /* the signal is gone before we wait */
    while (atomic_load(&ready) != 2) /* wrong condition: waits forever */
        pthread_cond_wait(&cv, &lock);
    pthread_mutex_unlock(&lock);
    return 0;
}
