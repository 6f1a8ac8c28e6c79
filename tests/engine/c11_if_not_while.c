/* c11_if_not_while.c - sample for `grader stress`: if_not_while.c written
 * with C11 <threads.h>. cnd_wait goes through the engine like
 * pthread_cond_wait: its spurious wake-ups (which C11 allows too) make the
 * consumer take from an empty box on the first wait.
 * expect: assertion */
#include <assert.h>
#include <threads.h>

static mtx_t lock;
static cnd_t filled;
static int box; /* 0: empty */

static int producer(void *unused)
{
    (void)unused;
    thrd_sleep(&(struct timespec){ .tv_nsec = 20000000 }, NULL);
    mtx_lock(&lock);
    box = 42;
    cnd_signal(&filled);
    mtx_unlock(&lock);
    return 0;
}

int main(void)
{
    mtx_init(&lock, mtx_plain);
    cnd_init(&filled);
    thrd_t t;
    thrd_create(&t, producer, NULL);
    mtx_lock(&lock);
    if (box == 0)
        cnd_wait(&filled, &lock);
    int got = box;
    mtx_unlock(&lock);
    thrd_join(t, NULL);
    assert(got == 42);
    return 0;
}
