/* build.c - see build.h. */
#include "build.h"
#include "elfcheck.h"
#include "objcache.h"
#include "prepcheck.h"
#include "tool.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CHECK_LIBS
#define CHECK_LIBS "-lcheck -lsubunit -lrt -lm"
#endif
/* What the judge links beyond its objects (judge.c wraps these two).
 * Statically: a judge starts once per test run, and the dynamic loader was
 * a third of its start-up's CPU time. */
#define JUDGE_LIBS "-static " CHECK_LIBS " -Wl,--wrap=pthread_create -Wl,--wrap=pthread_join"

#define MAX_SOURCE (1u << 20)
/* Course objects linked into one binary (the engine's files, the harness's,
 * the lesson's stub or tests). */
#define MAX_OBJECTS 48
/* The preprocessed file: system headers make it ~100 KiB; more is an attack. */
#define MAX_PREPROCESSED (64u << 20)

/* Calls that have no place in any lesson and only serve to escape or fool
 * the grader. A lesson's lesson.json adds its own. */
static const char *const course_forbidden[] = {
    "system", "popen", "execl", "execle", "execlp", "execv", "execve", "execvp",
    "execvpe", "fexecve", "posix_spawn", "posix_spawnp", "dlopen", "dlmopen",
    "dlsym", "dlvsym", "syscall", "ptrace", "process_vm_readv", "process_vm_writev",
    "atexit", "on_exit", "at_quick_exit", "__cxa_atexit", "prctl", "unshare",
    "setns", "mount", "umount", "umount2", "chroot", "pivot_root", "personality",
    NULL
};

static const char *student_cflags[] = {
    "-std=c17", "-D_DEFAULT_SOURCE", "-O1", "-g", "-fno-omit-frame-pointer",
    "-pthread", "-Wall", "-Wextra", "-fdiagnostics-color=never", NULL
};

/* The student's file never learns which flavour it is in: no macro says so
 * (the file is preprocessed once, without -fsanitize, and both flavours
 * compile that text; these are undefined as well, in case a compiler
 * predefines them anyway). */
static const char *const no_sanitizer_macros[] = {
    "-U__SANITIZE_THREAD__", "-U__SANITIZE_ADDRESS__", NULL
};

/* Sanitizer options, annotations and hooks are the grader's alone: a student
 * symbol (defined or referenced) with one of these prefixes could turn the
 * sanitizer off (__tsan_default_options returning "report_bugs=0"), hide
 * accesses from it (AnnotateIgnoreReadsBegin) or tell whether it runs. */
static const char *const sanitizer_prefixes[] = {
    "__tsan_", "__asan_", "__lsan_", "__ubsan_", "__msan_", "__hwasan_", "__dfsan_",
    "__sanitizer_", "__interceptor_", "___interceptor_", "__sanitizer", "Annotate",
    "WTFAnnotate", "ValgrindSlowdown", "RunningOnValgrind", NULL
};

/* What the compiler itself calls in an object built with -fsanitize=thread. */
static const char *const tsan_instrumentation[] = {
    "__tsan_init", "__tsan_func_entry", "__tsan_func_exit", "__tsan_read", "__tsan_write",
    "__tsan_unaligned_read", "__tsan_unaligned_write", "__tsan_volatile_read",
    "__tsan_volatile_write", "__tsan_atomic", "__tsan_vptr_update", "__tsan_vptr_read",
    "__tsan_memcpy", "__tsan_memset", "__tsan_memmove", NULL
};

/* ---- the checks on the student's object ---------------------------------- */

static bool listed(char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

static bool course_forbids(const char *s)
{
    for (const char *const *f = course_forbidden; *f; f++)
        if (strcmp(*f, s) == 0)
            return true;
    return false;
}

static bool has_prefix(const char *s, const char *const *prefixes)
{
    for (const char *const *p = prefixes; *p; p++)
        if (strncmp(s, *p, strlen(*p)) == 0)
            return true;
    return false;
}

static bool is_sanitizer_symbol(const char *s)
{
    if (has_prefix(s, sanitizer_prefixes))
        return true;
    /* WTF*Annotate* (WebKit's spellings of the same annotations). */
    return strncmp(s, "WTF", 3) == 0 && strstr(s, "Annotate") != NULL;
}

/* Where (" (bank.c:12)") the preprocessed file first names `name`, or "". */
static char *where_named(const build_options *o, const char *name)
{
    char *path = xasprintf("%s/%s.i", o->workdir, o->l->slug);
    size_t len = 0;
    char *text = read_file(path, MAX_PREPROCESSED, &len);
    free(path);
    prep_hit hit;
    char *file = xasprintf("%s.c", o->l->slug);
    /* Only a line of the student's own file: a #line can name any file. */
    char *where = text && prep_find(text, len, prep_is_name, (void *)name, &hit) &&
                          strcmp(hit.file, file) == 0
                      ? xasprintf(" (%s:%u)", file, hit.line)
                      : xstrdup("");
    free(file);
    free(text);
    return where;
}

static enum build_status forbid(build_result *r, char *message)
{
    r->message = message;
    return BUILD_FORBIDDEN;
}

/* Fills r->message and returns BUILD_FORBIDDEN when the object breaks a rule.
 * Every object the grader links gets every check: the plain one and the
 * ThreadSanitizer one (which may differ only by what the compiler adds for
 * the sanitizer: its constructor and its __tsan_* calls). */
static enum build_status check_object(const build_options *o, const char *obj, bool tsan,
                                      char **harness_objs, size_t nharness, build_result *r)
{
    char err[256];
    elf_symbols s;
    if (elf_read_symbols(obj, &s, err, sizeof err) != 0) {
        r->message = xasprintf("%s", err);
        return BUILD_INTERNAL;
    }
    enum build_status st = BUILD_OK;
    const char *file = o->l->slug;
    char *where = NULL;
    /* The compiler's own constructor that starts ThreadSanitizer, priority 99. */
    size_t sanitizer_ctors = 0;
    for (size_t i = 0; tsan && i < s.ninit; i++)
        if (strcmp(s.init_sections[i], ".init_array.00099") == 0)
            sanitizer_ctors++;
    if (s.ninit > sanitizer_ctors) {
        for (size_t i = 0; i < s.ninit; i++)
            if (!tsan || strcmp(s.init_sections[i], ".init_array.00099") != 0) {
                st = forbid(r, xasprintf("%s.c defines a %s section (a constructor or "
                                         "destructor): code that runs before main or after "
                                         "exit is not allowed",
                                         file, s.init_sections[i]));
                break;
            }
        goto out;
    }
    if (s.nifunc > 0) {
        where = where_named(o, s.ifuncs[0]);
        st = forbid(r, xasprintf("%s.c makes `%s` an indirect function (ifunc)%s: its resolver "
                                 "would run before main, which is not allowed",
                                 file, s.ifuncs[0], where ? where : ""));
        goto out;
    }
    for (size_t i = 0; i < s.nweak; i++) {
        where = where_named(o, s.weak_refs[i]);
        st = forbid(r, xasprintf("%s.c refers weakly to `%s`%s: weak references are not "
                                 "allowed (they tell what is linked in)",
                                 file, s.weak_refs[i], where));
        goto out;
    }
    for (size_t i = 0; i < s.nundefined; i++) {
        const char *u = s.undefined[i];
        if (tsan && has_prefix(u, tsan_instrumentation))
            continue; /* the sanitizer's own calls, added by the compiler */
        if (is_sanitizer_symbol(u)) {
            where = where_named(o, u);
            st = forbid(r, xasprintf("%s.c uses `%s`%s: sanitizer options, annotations and "
                                     "hooks belong to the grader",
                                     file, u, where));
            goto out;
        }
        if (course_forbids(u) || listed(o->l->forbidden, o->l->nforbidden, u)) {
            st = forbid(r, xasprintf("%s.c calls %s(), which this lesson does not allow",
                                     file, u));
            goto out;
        }
    }
    for (size_t i = 0; i < s.ndefined; i++) {
        if (is_sanitizer_symbol(s.defined[i])) {
            where = where_named(o, s.defined[i]);
            st = forbid(r, xasprintf("%s.c defines `%s`%s: sanitizer options, annotations and "
                                     "hooks belong to the grader",
                                     file, s.defined[i], where));
            goto out;
        }
        if (!listed(o->l->api, o->l->napi, s.defined[i])) {
            st = forbid(r, xasprintf("%s.c defines a global `%s` that is not part of the "
                                     "lesson's API: make it static",
                                     file, s.defined[i]));
            goto out;
        }
    }
    /* With -fsanitize=thread, a function that calls out is given
     * __tsan_func_entry unless an attribute kept the sanitizer away. */
    if (tsan && s.nuninstrumented) {
        where = where_named(o, s.calls_uninstrumented[0]);
        st = forbid(r, xasprintf("%s.c: function `%s`%s is not instrumented by "
                                 "ThreadSanitizer (no_sanitize attributes are not allowed)",
                                 file, s.calls_uninstrumented[0], where));
        goto out;
    }
    /* The student's code may not reach into the harness or the tests: the
     * grader_* interposers (some exist in one flavour only, atomics.c's)... */
    for (size_t i = 0; i < s.nundefined && st == BUILD_OK; i++)
        if (strncmp(s.undefined[i], "grader_", 7) == 0)
            st = forbid(r, xasprintf("%s.c uses `%s`, which belongs to the grader", file,
                                     s.undefined[i]));
    /* ... and whatever the harness's objects define. */
    for (size_t k = 0; k < nharness && st == BUILD_OK; k++) {
        elf_symbols h;
        if (elf_read_symbols(harness_objs[k], &h, err, sizeof err) != 0)
            continue;
        for (size_t i = 0; i < s.nundefined && st == BUILD_OK; i++) {
            if (listed(h.defined, h.ndefined, s.undefined[i]))
                st = forbid(r, xasprintf("%s.c uses `%s`, which belongs to the grader's tests",
                                         file, s.undefined[i]));
        }
        elf_symbols_free(&h);
    }
out:
    free(where);
    elf_symbols_free(&s);
    return st;
}

/* ---- the build ----------------------------------------------------------- */

/* Preprocesses the student's file once (src -> pre), without -fsanitize and
 * with the sanitizer macros undefined: both flavours compile this text. */
static int preprocess_student(const build_options *o, const char *src, const char *pre,
                              char **out)
{
    argv_t a = { 0 };
    arg(&a, cc_path());
    args(&a, student_cflags);
    args(&a, no_sanitizer_macros);
    arg(&a, "-iquote" STAGE_LESSON);
    arg(&a, "-E");
    arg(&a, src);
    arg(&a, "-o");
    arg(&a, pre);
    int rc = run_tool(&a, o->workdir, NULL, o->l->compile_timeout_ms, out);
    argv_free(&a);
    return rc;
}

static int compile_student(const build_options *o, const char *pre, const char *obj,
                           bool tsan, char **out)
{
    argv_t a = { 0 };
    arg(&a, cc_path());
    args(&a, student_cflags);
    args(&a, no_sanitizer_macros);
    if (tsan)
        arg(&a, "-fsanitize=thread");
    arg(&a, "-c");
    arg(&a, pre);
    arg(&a, "-o");
    arg(&a, obj);
    int rc = run_tool(&a, o->workdir, NULL, o->l->compile_timeout_ms, out);
    argv_free(&a);
    return rc;
}

/* Refuses what no flavour may compile: an attribute that keeps a function
 * from the sanitizer, found in the preprocessed text (no macro hides it). */
static enum build_status check_preprocessed(const build_options *o, const char *pre,
                                            build_result *r)
{
    char *path = xasprintf("%s/%s", o->workdir, pre);
    size_t len = 0;
    char *text = read_file(path, MAX_PREPROCESSED, &len);
    free(path);
    if (!text) {
        r->message = xasprintf("%s.c is larger than %u MiB once preprocessed", o->l->slug,
                               MAX_PREPROCESSED >> 20);
        return BUILD_COMPILE_ERROR;
    }
    prep_hit hit;
    enum build_status st = BUILD_OK;
    if (prep_find(text, len, prep_is_sanitizer_off, NULL, &hit)) {
        char *file = xasprintf("%s.c", o->l->slug);
        char *where = strcmp(hit.file, file) == 0 ? xasprintf("%s:%u: ", file, hit.line)
                                                  : xasprintf("%s: ", file);
        r->message = xasprintf("%suses `%s`: code that keeps ThreadSanitizer (or any "
                               "sanitizer) from looking is not allowed",
                               where, hit.ident);
        free(where);
        free(file);
        st = BUILD_FORBIDDEN;
    }
    free(text);
    return st;
}

/* Renames the student's pthread calls to the harness's interposers and, in
 * the TSan object, its atomic operations (ThreadSanitizer's __tsan_atomic*
 * calls) to the engine's scheduling points (grader/harness/atomics.c). */
static int reroute_calls(const build_options *o, const char *in, const char *outobj, bool tsan,
                         char **out)
{
    argv_t a = { 0 };
    char *objcopy = find_in_path("objcopy");
    arg(&a, objcopy ? objcopy : "/usr/bin/objcopy");
    free(objcopy);
    arg(&a, "--redefine-syms=" STAGE_HARNESS "/intercept.syms");
    if (tsan)
        arg(&a, "--redefine-syms=" STAGE_HARNESS "/atomics.syms");
    arg(&a, in);
    arg(&a, outobj);
    int rc = run_tool(&a, o->workdir, NULL, 30000, out);
    argv_free(&a);
    return rc;
}

/* Links the subject (the student's object, the subject's main, the engine,
 * the lesson's subject-side stub; no Check) or the judge (the tests, Check;
 * no student code). The judge's pthread_create and pthread_join are wrapped
 * (judge.c): they tell the subject which test threads follow which. */
static int link_binary(const build_options *o, const char *student_obj, char **objs,
                       size_t nobjs, const char *bin, enum obj_flavour flavour, char **out)
{
    argv_t a = { 0 };
    arg(&a, cc_path());
    arg(&a, "-pthread");
    if (flavour == OBJ_TSAN) {
        /* Statically: /proc/self/maps then names no libtsan.so. */
        arg(&a, "-fsanitize=thread");
        arg(&a, "-static-libtsan");
    }
    arg(&a, "-o");
    arg(&a, bin);
    if (student_obj)
        arg(&a, student_obj);
    for (size_t i = 0; i < nobjs; i++)
        arg(&a, objs[i]);
    if (flavour == OBJ_JUDGE)
        arg_words(&a, JUDGE_LIBS);
    arg(&a, "-ldl");
    int rc = run_tool(&a, o->workdir, NULL, o->l->compile_timeout_ms, out);
    argv_free(&a);
    return rc;
}

/* The course objects `sources` (grader/harness/) and `lesson_files` for
 * one flavour, appended to objs[]. BUILD_OK, or BUILD_INTERNAL with *err. */
static enum build_status course_objects(const build_options *o, const char *const *sources,
                                        const char *const *lesson_files, size_t nlesson,
                                        enum obj_flavour flavour, char **objs, size_t *nobjs,
                                        size_t cap, char **err)
{
    size_t want = *nobjs + nlesson;
    for (const char *const *h = sources; *h; h++)
        want++;
    if (want > cap) { /* a course with more objects than MAX_OBJECTS: say so */
        *err = xasprintf("the course has %zu objects to link, more than the grader's %zu",
                         want, cap);
        return BUILD_INTERNAL;
    }
    for (const char *const *h = sources; *h; h++) {
        char *hsrc = xasprintf("%s/grader/harness/%s", o->c->root, *h);
        char *obj = *nobjs < cap ? objcache_object(o->c, o->l, o->workdir, hsrc, false, flavour, err)
                                 : NULL;
        free(hsrc);
        if (!obj)
            return BUILD_INTERNAL;
        objs[(*nobjs)++] = obj;
    }
    for (size_t i = 0; i < nlesson; i++) {
        if (!lesson_files[i])
            continue;
        char *obj = *nobjs < cap ? objcache_object(o->c, o->l, o->workdir, lesson_files[i], true,
                                                   flavour, err)
                                 : NULL;
        if (!obj)
            return BUILD_INTERNAL;
        objs[(*nobjs)++] = obj;
    }
    return BUILD_OK;
}

/* The judge: built from course files only, never the student's. */
static enum build_status build_judge(const build_options *o, build_result *r)
{
    char *objs[MAX_OBJECTS] = { 0 };
    size_t nobjs = 0;
    char *err = NULL, *out = NULL;
    const char *files[] = { o->l->public_tests, o->with_hidden ? o->l->hidden_tests : NULL,
                            o->l->remote };
    enum build_status st =
        course_objects(o, judge_sources, files, 3, OBJ_JUDGE, objs, &nobjs, MAX_OBJECTS, &err);
    char *bin = xasprintf("%s/judge", o->workdir);
    /* Course files only: linked once per content, then taken from the
     * cache (the link was the last step of every build). */
    uint64_t key = hash_bytes(JUDGE_LIBS, strlen(JUDGE_LIBS), 0);
    key = hash_bytes(cc_path(), strlen(cc_path()), key);
    for (size_t i = 0; i < nobjs; i++)
        key = hash_file(objs[i], key);
    char *cached = objcache_binary(o->c, o->l, "judge", key);
    if (st != BUILD_OK) {
        r->message = err;
    } else if (objcache_fetch_binary(o->c, cached, bin)) {
        r->judge = bin;
        bin = NULL;
    } else if (link_binary(o, NULL, objs, nobjs, bin, OBJ_JUDGE, &out) != 0) {
        r->message = xasprintf("linking the lesson's tests failed:\n%s", out ? out : "");
        st = BUILD_INTERNAL;
    } else {
        objcache_store_binary(cached, bin);
        r->judge = bin;
        bin = NULL;
    }
    free(cached);
    free(out);
    free(bin);
    for (size_t i = 0; i < nobjs; i++)
        free(objs[i]);
    return st;
}

/* Builds one flavour (plain or tsan). Returns a build_status. */
static enum build_status build_flavour(const build_options *o, const char *pre, bool tsan,
                                       build_result *r)
{
    const char *sfx = tsan ? "_tsan" : "";
    char *obj = xasprintf("%s/student%s.o", o->workdir, sfx);
    char *wrapped = xasprintf("%s/student%s_rerouted.o", o->workdir, sfx);
    char *bin = xasprintf("%s/subject%s", o->workdir, sfx);
    char *objs[MAX_OBJECTS] = { 0 };
    size_t nobjs = 0;
    char *out = NULL, *err = NULL;
    enum build_status st = BUILD_OK;

    if (compile_student(o, pre, obj, tsan, &out) != 0) {
        r->message = out ? out : xstrdup("the compiler failed without a message");
        out = NULL;
        st = BUILD_COMPILE_ERROR;
        goto done;
    }
    if (!tsan && out && *out) {
        char *w = r->warnings ? xasprintf("%s%s", r->warnings, out) : xstrdup(out);
        free(r->warnings);
        r->warnings = w;
    }
    free(out);
    out = NULL;

    /* The course's objects: the subject's main and the engine (shared by
     * every lesson), then the lesson's subject-side stub. */
    enum obj_flavour flavour = tsan ? OBJ_TSAN : OBJ_PLAIN;
    const char *files[] = { o->l->remote };
    st = course_objects(o, subject_sources, files, 1, flavour, objs, &nobjs, MAX_OBJECTS, &err);
    if (st != BUILD_OK) {
        r->message = err;
        goto done;
    }

    st = check_object(o, obj, tsan, objs, nobjs, r);
    if (st != BUILD_OK)
        goto done;
    if (reroute_calls(o, obj, wrapped, tsan, &out) != 0) {
        r->message = xasprintf("objcopy failed: %s", out ? out : "");
        st = BUILD_INTERNAL;
        goto done;
    }
    free(out);
    out = NULL;
    if (link_binary(o, wrapped, objs, nobjs, bin, flavour, &out) != 0) {
        r->message = out ? out : xstrdup("the linker failed without a message");
        out = NULL;
        st = BUILD_COMPILE_ERROR;
        goto done;
    }
    if (tsan)
        r->bin_tsan = bin;
    else
        r->bin = bin;
    bin = NULL;
done:
    free(out);
    for (size_t i = 0; i < nobjs; i++)
        free(objs[i]);
    free(obj);
    free(wrapped);
    free(bin);
    return st;
}

/* ---- the TSan flavour in a child process --------------------------------- */

typedef struct tsan_child {
    pid_t pid;
    int fd; /* it writes its status byte, then its message */
} tsan_child;

static void start_tsan_child(const build_options *o, const char *rel, tsan_child *c)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return;
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return;
    }
    if (pid == 0) {
        close(p[0]);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        build_result r = { 0 };
        char st = (char)build_flavour(o, rel, true, &r);
        FILE *f = fdopen(p[1], "w");
        if (!f)
            _exit(1);
        fputc('0' + st, f);
        if (r.message)
            fputs(r.message, f);
        _exit(fclose(f) == 0 ? 0 : 1);
    }
    close(p[1]);
    c->pid = pid;
    c->fd = p[0];
}

static void finish_tsan_child(tsan_child *c, build_result *r)
{
    size_t len = 0, cap = 4096;
    char *buf = xmalloc(cap);
    for (;;) {
        if (len + 1 >= cap) {
            cap *= 2;
            char *bigger = realloc(buf, cap);
            if (!bigger)
                break;
            buf = bigger;
        }
        ssize_t n = read(c->fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    close(c->fd);
    int status;
    while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (len >= 1 && buf[0] >= '0' + BUILD_OK && buf[0] <= '0' + BUILD_INTERNAL &&
        WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        r->status = (enum build_status)(buf[0] - '0');
        r->message = len > 1 ? xstrdup(buf + 1) : NULL;
    } else {
        r->status = BUILD_INTERNAL;
        r->message = xstrdup("the ThreadSanitizer build's process died");
    }
    free(buf);
}

int build_lesson(const build_options *o, build_result *r)
{
    memset(r, 0, sizeof *r);
    char *src = xasprintf("%s/%s.c", o->workdir, o->l->slug);
    if (copy_untrusted(o->student_src, src, MAX_SOURCE) != 0) {
        r->status = BUILD_COMPILE_ERROR;
        r->message = errno == EFBIG
                         ? xasprintf("%s.c is larger than %u KiB", o->l->slug, MAX_SOURCE >> 10)
                         : xasprintf("%s.c could not be read (it must be a regular file)",
                                     o->l->slug);
        free(src);
        return 0;
    }
    char *err = NULL;
    if (objcache_stage(o->c, o->l, o->workdir, &err) != 0) {
        r->status = BUILD_INTERNAL;
        r->message = err;
        free(src);
        return 0;
    }
    /* Compile by its plain name, so messages say "bank.c:12", not a temp path;
     * preprocess it once: both flavours compile the same text. */
    char *name = xasprintf("%s.c", o->l->slug);
    char *rel = xasprintf("%s.i", o->l->slug);
    char *out = NULL;
    if (preprocess_student(o, name, rel, &out) != 0) {
        r->status = BUILD_COMPILE_ERROR;
        r->message = out ? out : xstrdup("the compiler failed without a message");
        goto unstage;
    }
    if (out && *out)
        r->warnings = out;
    else
        free(out);
    r->status = check_preprocessed(o, rel, r);
    if (r->status != BUILD_OK)
        goto unstage;
    tsan_child child = { -1, -1 };
    if (o->l->tsan && o->parallel)
        start_tsan_child(o, rel, &child);
    r->status = build_flavour(o, rel, false, r);
    if (r->status == BUILD_OK)
        r->status = build_judge(o, r);
    if (child.pid > 0) {
        /* The plain flavour's verdict comes first, as in a sequential build. */
        build_result tr = { 0 };
        finish_tsan_child(&child, &tr);
        if (r->status == BUILD_OK) {
            r->status = tr.status;
            if (tr.status == BUILD_OK)
                r->bin_tsan = xasprintf("%s/subject_tsan", o->workdir);
            else {
                free(r->message);
                r->message = tr.message;
                tr.message = NULL;
            }
        }
        build_result_free(&tr);
    } else if (r->status == BUILD_OK && o->l->tsan) {
        r->status = build_flavour(o, rel, true, r);
    }
unstage:
    objcache_unstage(o->workdir);
    char *objdir = xasprintf("%s/%s", o->workdir, STAGE_OBJECTS);
    remove_tree(objdir);
    free(objdir);
    free(rel);
    free(name);
    free(src);
    return 0;
}

void build_result_free(build_result *r)
{
    free(r->message);
    free(r->warnings);
    free(r->bin);
    free(r->bin_tsan);
    free(r->judge);
    memset(r, 0, sizeof *r);
}
