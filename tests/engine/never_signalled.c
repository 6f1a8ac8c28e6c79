/* never_signalled.c - sample for `grader stress`: a worker waits (in a
 * correct while loop) for a flag that no thread ever sets or signals, and
 * main joins it. No lock is held across a wait and no wait cycle exists:
 * not a deadlock but a plain hang, so the verdict is a timeout that names
 * the condition wait and the join.
 * expect: timeout */
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
