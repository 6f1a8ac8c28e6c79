/* exited_holder.c - sample for `grader stress`: a worker returns on an
 * early path without unlocking the mutex it took; the main thread then
 * waits for that mutex, which nobody can ever unlock. A wait-for cycle
 * through a thread that has exited: reported at once, not as a hang. The
 * exit with the lock held is also a misuse record (misuse_exit_holding.c
 * shows it alone); the deadlock is the stronger evidence and leads, and its
 * report already says the holder exited.
 * expect: deadlock */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long stock = 0;

static void *take_one(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&lock);
    if (stock == 0)
        return NULL; /* BUG: leaves with the lock held */
    stock--;
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, take_one, NULL);
    pthread_join(t, NULL);
    pthread_mutex_lock(&lock);
    printf("stock=%ld\n", stock);
    pthread_mutex_unlock(&lock);
    return 0;
}
