/* objcache.h - the course's own objects (the harness, the concurrency engine,
 * the lesson's tests), compiled once per content into a cache shared by every
 * lesson and grading, and staged where the sandbox user can read them.
 *
 * The harness and engine objects do not depend on the lesson: one object
 * serves every lesson. Only the test files (test_public.c, test_hidden.c)
 * include the lesson's headers, so only their objects are per lesson.
 *
 * Everything a compile or link step reads is first copied into the grading's
 * work dir (WORK/course/, WORK/objs/): the sandboxed tools may run as a user
 * (nobody) that cannot read the course where it is installed, for instance
 * under a private home directory.
 */
#ifndef OBJCACHE_H
#define OBJCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "course.h"

/* Relative to the work dir, where the tools run. */
#define STAGE_HARNESS "course/harness" /* harness and engine headers, *.syms */
#define STAGE_LESSON "course/lesson"   /* the lesson's headers */
#define STAGE_SOURCES "course/src"     /* a course source being compiled (-plain, -tsan) */
#define STAGE_OBJECTS "objs"           /* the objects the link step reads */

/* What an object is built for. A test runs as two processes (rpc.h): the
 * judge (the tests, Check; never ThreadSanitizer) and the subject (the
 * student's code, the engine; plain or under ThreadSanitizer). */
enum obj_flavour { OBJ_JUDGE, OBJ_PLAIN, OBJ_TSAN };

/* The course sources, in grader/harness/, each process links: the judge's
 * main, the protocol and the trace recorder; the subject's main, the
 * protocol, the interposer and the engine (ENGINE_SOURCES comes from the
 * Makefile, which builds libgrader_engine.so from the same list). */
extern const char *const judge_sources[];
extern const char *const subject_sources[];

/* Copies the harness's and the lesson's headers and the *.syms files into the
 * work dir. Returns 0, or -1 with a malloc'd message in *err. */
int objcache_stage(const course *c, const lesson *l, const char *workdir, char **err);

/* The object of `src` (a course file) for this flavour, from the cache or
 * compiled into it, copied to WORK/objs/. `lesson_tests`: src is one of the
 * lesson's test files. Judge objects get -DREMOTE_JUDGE, subject objects
 * -DREMOTE_SUBJECT; in the TSan flavour the subject's own plumbing
 * (subject.c, rpc.c) is built uninstrumented with -DGRADER_TSAN_BUILD.
 * Returns the copy's path (malloc'd), or NULL with the error in *err. Safe
 * to call from concurrent gradings (one compiles, the others wait for it). */
char *objcache_object(const course *c, const lesson *l, const char *workdir, const char *src,
                      bool lesson_tests, enum obj_flavour flavour, char **err);

/* A binary linked from course objects only (the judge: no student code),
 * cached like the objects. objcache_binary: its place in the cache for
 * `key` (which must cover every input and the link line; malloc'd).
 * objcache_fetch_binary: copies it to `dest` (executable) when it is there,
 * or in the shared cache (objcache.c), and the copy matches its sum; else
 * false and no `dest`.
 * objcache_store_binary: puts `built` there (best effort: a grading that
 * cannot store it just links again next time). */
char *objcache_binary(const course *c, const lesson *l, const char *name, uint64_t key);
bool objcache_fetch_binary(const course *c, const char *cached, const char *dest);
void objcache_store_binary(const char *cached, const char *built);

/* Removes the staged sources and headers once the build is done, so the
 * student's test runs cannot read the tests' source. */
void objcache_unstage(const char *workdir);

/* The directory for cached objects: $GRADER_CACHE, else <course>/build/cache,
 * else $TMPDIR/grader-cache-UID when that is not writable; a private one when
 * results are not protected. Whatever it is, objects are first looked for in
 * the configured cache when this uid cannot change it (objcache.c). malloc'd. */
char *objcache_dir(const course *c);

#endif
