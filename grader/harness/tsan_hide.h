/* tsan_hide.h - keeping the engine's own work out of ThreadSanitizer's view.
 *
 * The engine must neither mask nor report races of the code under test. In
 * the TSan flavour its files are built without TSan's instrumentation
 * (grader/src/objcache.c), so their atomics and memory accesses are not
 * seen. The real calls they make still are, whoever calls them: TSan's
 * interceptors make a mutex, a pthread_once, an fd read or an opendir
 * order the threads that use them. Calls the engine makes for its own sake
 * go between tsan_hide_begin and tsan_hide_end, so that, say, a lock every
 * thread takes does not order each thread's earlier accesses before every
 * other thread's later ones. Header-only: files built and tested alone use
 * it too. Elsewhere both are no-ops.
 */
#ifndef TSAN_HIDE_H
#define TSAN_HIDE_H

/* The ThreadSanitizer flavour, instrumented or not (GRADER_TSAN_BUILD). */
#if defined(GRADER_TSAN_BUILD) || defined(__SANITIZE_THREAD__)
#define ENG_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ENG_UNDER_TSAN 1
#endif
#endif

#ifdef ENG_UNDER_TSAN
void AnnotateIgnoreSyncBegin(const char *f, int l);
void AnnotateIgnoreSyncEnd(const char *f, int l);
void AnnotateIgnoreReadsBegin(const char *f, int l);
void AnnotateIgnoreReadsEnd(const char *f, int l);
void AnnotateIgnoreWritesBegin(const char *f, int l);
void AnnotateIgnoreWritesEnd(const char *f, int l);
#endif

/* Nests: each begin needs its end, on the same thread. */
static inline void tsan_hide_begin(void)
{
#ifdef ENG_UNDER_TSAN
    AnnotateIgnoreSyncBegin(__FILE__, __LINE__);
    AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
    AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
#endif
}

static inline void tsan_hide_end(void)
{
#ifdef ENG_UNDER_TSAN
    AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
    AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
    AnnotateIgnoreSyncEnd(__FILE__, __LINE__);
#endif
}

#endif
