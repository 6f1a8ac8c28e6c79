/* use_after_free_exit.c - sample for `grader stress prog.c`: main frees
 * the shared log at exit while a detached flusher thread may still write
 * to it (a use-after-free at exit). ThreadSanitizer reports the free and
 * the write as a race (free writes the block); the plain build seldom
 * notices.
 * expect: race */
#define _DEFAULT_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct log {
    pthread_mutex_t lock;
    long lines;
} log_t;

static log_t *shared;

static void *flusher(void *arg)
{
    log_t *log = arg;
    for (;;) {
        log->lines++; /* use after free here */
        usleep(100);
    }
    return NULL;
}

int main(void)
{
    shared = calloc(1, sizeof *shared);
    pthread_t t;
    pthread_create(&t, NULL, flusher, shared);
    pthread_detach(t);
    usleep(2000);
    free(shared); /* the flusher still runs */
    usleep(2000);
    return 0;
}
