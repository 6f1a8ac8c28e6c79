/* all_blocked.c - sample for `grader stress --virtual-time`: a worker waits
 * (in a correct while loop) for a flag nobody sets, and main joins it. In
 * real time that is a plain hang, seen only when the run times out; in
 * virtual time every thread is blocked and no deadline is pending, so the
 * engine reports it at once, with what each thread waits for.
 * expect: deadlock */
#include <pthread.h>
#include <stdbool.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t opened = PTHREAD_COND_INITIALIZER;
static bool open_for_business; /* BUG: nothing ever sets it */

static void *customer(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&lock);
    while (!open_for_business)
        pthread_cond_wait(&opened, &lock);
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, customer, NULL);
    pthread_join(t, NULL);
    return 0;
}
