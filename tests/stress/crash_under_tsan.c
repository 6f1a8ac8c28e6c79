/* crash_under_tsan.c - sample for `grader stress prog.c`: a worker follows
 * a NULL pointer, but only in the ThreadSanitizer build (GCC and clang
 * define __SANITIZE_THREAD__ or have __has_feature(thread_sanitizer)
 * there), so the crash is found by ThreadSanitizer's report and never by
 * a plain run: its place must come from that report (the stack after
 * "==PID==" notes; the SUMMARY's "SEGV FILE:LINE").
 * expect: crash */
#include <pthread.h>
#include <stdio.h>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#endif
#ifndef UNDER_TSAN
#define UNDER_TSAN 0
#endif

static int the_value = 7;
static int *volatile shared = &the_value;
static int seen;

static void *worker(void *unused)
{
    (void)unused;
    seen = *shared; /* crash here */
    return NULL;
}

int main(void)
{
    if (UNDER_TSAN)
        shared = NULL;
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    printf("%d\n", seen);
    return 0;
}
