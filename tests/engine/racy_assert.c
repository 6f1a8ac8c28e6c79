/* racy_assert.c - sample for `grader stress`: a read-modify-write split over
 * two critical sections (each alone is locked, the pair is not atomic).
 * Without noise the assertion almost never fails; under stress it does.
 * expect: assertion */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>

#define ROUNDS 2000
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *add(void *unused)
{
    (void)unused;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        long seen = counter;
        pthread_mutex_unlock(&lock);
        pthread_mutex_lock(&lock);
        counter = seen + 1;
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, add, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    printf("counter=%ld\n", counter);
    assert(counter == 2 * ROUNDS);
    return 0;
}
