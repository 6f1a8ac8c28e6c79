/* race_counter.c - sample for `grader stress prog.c` (source mode): a hit
 * counter bumped by four threads; the lock guards only the log, not the
 * counter. The plain build rarely loses an update (no sync point between
 * the load and the store); the ThreadSanitizer build names the race.
 * expect: race */
#include <pthread.h>
#include <stdio.h>

#define THREADS 4
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static long hits, logged;

static void *visitor(void *unused)
{
    (void)unused;
    for (int i = 0; i < 100; i++) {
        hits++; /* race here */
        pthread_mutex_lock(&log_lock);
        logged++;
        pthread_mutex_unlock(&log_lock);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, visitor, NULL);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    printf("%ld hits, %ld logged\n", hits, logged);
    return 0;
}
