/* build.h - turn a student's file into test binaries.
 *
 * Compiles the file (sandboxed), rejects what it may not do (forbidden calls,
 * global helpers, constructor sections), reroutes its pthread calls to the
 * harness's interposer, and links it into the subject (rpc.h): once plainly
 * and, when the lesson asks for it, once under ThreadSanitizer. Links the
 * lesson's tests into the judge, which never holds the student's code.
 */
#ifndef BUILD_H
#define BUILD_H

#include "course.h"

enum build_status { BUILD_OK, BUILD_COMPILE_ERROR, BUILD_FORBIDDEN, BUILD_INTERNAL };

typedef struct build_result {
    enum build_status status;
    char *message;   /* compiler output, the forbidden call, or what failed */
    char *warnings;  /* compiler warnings on success, or NULL */
    char *bin;       /* the plain subject: the student's code, run by the judge */
    char *bin_tsan;  /* the ThreadSanitizer one, or NULL */
    char *judge;     /* the tests (no student code) */
} build_result;

typedef struct build_options {
    const course *c;
    const lesson *l;
    const char *student_src; /* the submission's file (untrusted path) */
    const char *workdir;     /* our own temp dir for this lesson */
    bool with_hidden;        /* link the hidden tests too */
    bool parallel;           /* a core is free: build the TSan flavour in a child meanwhile */
} build_options;

int build_lesson(const build_options *o, build_result *r);
void build_result_free(build_result *r);

#endif
