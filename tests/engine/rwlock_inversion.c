/* rwlock_inversion.c - sample for `grader stress`: a read-read-write
 * inversion. Readers take the table's read-write lock, then the log mutex;
 * the auditor takes the log mutex, then the table for reading; a writer
 * updates the table now and then. With glibc's default rwlock the two
 * readers never block each other, so it rarely hangs; with a
 * writer-preferring lock a writer queued on the table makes the auditor
 * wait behind it while the reader waits for the log: a deadlock. The
 * lock-order graph holds read-write locks like mutexes and reports the
 * cycle every run.
 * expect: deadlock */
#define _DEFAULT_SOURCE /* read-write locks, spin locks, barriers */
#include <pthread.h>
#include <stdio.h>

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
        pthread_mutex_lock(&log_lock);
        pthread_rwlock_rdlock(&table);
        logged -= entries[i % 16];
        pthread_rwlock_unlock(&table);
        pthread_mutex_unlock(&log_lock);
    }
    return NULL;
}

static void *writer(void *unused)
{
    (void)unused;
    for (int i = 0; i < 500; i++) {
        pthread_rwlock_wrlock(&table);
        entries[i % 16]++;
        pthread_rwlock_unlock(&table);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[3];
    pthread_create(&t[0], NULL, reader, NULL);
    pthread_create(&t[1], NULL, auditor, NULL);
    pthread_create(&t[2], NULL, writer, NULL);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    printf("logged=%ld\n", logged);
    return 0;
}
