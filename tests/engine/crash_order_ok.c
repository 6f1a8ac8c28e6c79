/* crash_order_ok.c - sample for `grader stress`: the correct twin of
 * crash_order.c: main withdraws the configuration only after joining the
 * worker that reads it.
 * expect: ok */
#include <pthread.h>
#include <stdio.h>

typedef struct config {
    int workers;
} config;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static config the_config = { 4 };
static config *current = &the_config;
static int seen;

static void *worker(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&lock);
    seen = current->workers;
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    pthread_mutex_lock(&lock);
    current = NULL; /* the worker is done with it */
    pthread_mutex_unlock(&lock);
    printf("%d\n", seen);
    return 0;
}
