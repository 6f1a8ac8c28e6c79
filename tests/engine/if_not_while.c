/* if_not_while.c - sample for `grader stress`: a condition wait guarded by
 * `if` instead of `while`. The stress library's spurious wake-ups (which
 * POSIX allows) make the consumer take from an empty box on the first wait.
 * expect: assertion */
#define _DEFAULT_SOURCE
#include <assert.h>
#include <pthread.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t filled = PTHREAD_COND_INITIALIZER;
static int box; /* 0: empty */

static void *producer(void *unused)
{
    (void)unused;
    usleep(20000);
    pthread_mutex_lock(&lock);
    box = 42;
    pthread_cond_signal(&filled);
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, producer, NULL);
    pthread_mutex_lock(&lock);
    if (box == 0)
        pthread_cond_wait(&filled, &lock);
    int got = box;
    pthread_mutex_unlock(&lock);
    pthread_join(t, NULL);
    assert(got == 42);
    return 0;
}
