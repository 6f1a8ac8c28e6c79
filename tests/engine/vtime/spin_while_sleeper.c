/* spin_while_sleeper.c - sample for `grader stress --virtual-time`: main
 * waits for a flag that a sleeper sets after a (virtual) second, by
 * spinning on it with sched_yield. Under virtual time the clock moves only
 * when every thread waits, so the sleeper's second never ends while main
 * spins: reported as busy waiting once main has burned its CPU budget,
 * not at the run's timeout.
 * expect: busy-wait */
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <unistd.h>

static atomic_bool done;

static void *sleeper(void *unused)
{
    (void)unused;
    sleep(1);
    atomic_store(&done, true);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, sleeper, NULL);
    while (!atomic_load(&done)) /* spins here */
        sched_yield();          /* spins here */
    pthread_join(t, NULL);
    return 0;
}
