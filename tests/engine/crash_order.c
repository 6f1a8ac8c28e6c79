/* crash_order.c - sample for `grader stress`: main withdraws the shared
 * configuration (sets the pointer to NULL) before its worker is done with
 * it; whenever main's critical section comes first, the worker
 * dereferences NULL. The crash is named at the worker's line.
 * expect: crash */
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
    seen = current->workers; /* crash here */
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_mutex_lock(&lock);
    current = NULL; /* too early: the worker may not have read it */
    pthread_mutex_unlock(&lock);
    pthread_join(t, NULL);
    printf("%d\n", seen);
    return 0;
}
