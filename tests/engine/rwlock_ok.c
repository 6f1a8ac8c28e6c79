/* rwlock_ok.c - sample for `grader stress`: the correct twin of
 * rwlock_inversion.c: the auditor takes the table before the log, the order
 * every other thread uses; readers share the table, try and timed locks
 * mixed in. Nothing to report.
 * expect: ok */
#define _DEFAULT_SOURCE /* read-write locks, spin locks, barriers */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static pthread_rwlock_t table = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static long entries[16], logged;

static void *reader(void *unused)
{
    (void)unused;
    for (int i = 0; i < 500; i++) {
        pthread_rwlock_rdlock(&table);
        long v = entries[i % 16];
        pthread_mutex_lock(&log_lock);
        logged += v;
        pthread_mutex_unlock(&log_lock);
        pthread_rwlock_unlock(&table);
    }
    return NULL;
}

static void *auditor(void *unused)
{
    (void)unused;
    for (int i = 0; i < 500; i++) {
        if (pthread_rwlock_tryrdlock(&table) != 0)
            pthread_rwlock_rdlock(&table);
        pthread_mutex_lock(&log_lock);
        logged -= entries[i % 16];
        pthread_mutex_unlock(&log_lock);
        pthread_rwlock_unlock(&table);
    }
    return NULL;
}

static void *writer(void *unused)
{
    (void)unused;
    for (int i = 0; i < 500; i++) {
        struct timespec soon;
        clock_gettime(CLOCK_REALTIME, &soon);
        soon.tv_sec += 5;
        if (pthread_rwlock_timedwrlock(&table, &soon) != 0)
            continue;
        entries[i % 16]++;
        pthread_rwlock_unlock(&table);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[4];
    pthread_create(&t[0], NULL, reader, NULL);
    pthread_create(&t[1], NULL, reader, NULL);
    pthread_create(&t[2], NULL, auditor, NULL);
    pthread_create(&t[3], NULL, writer, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    printf("logged=%ld\n", logged);
    return 0;
}
