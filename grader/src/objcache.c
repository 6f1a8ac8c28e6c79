/* objcache.c - see objcache.h.
 *
 * Trust: every cached object has its content hash beside it (OBJ.sum,
 * written when we built it) and the copy a grading links is re-hashed and
 * compared before use; a mismatch is rebuilt, never linked. When student
 * code runs under our own uid without namespaces (results not protected),
 * it could outlive a grading and rewrite both the object and its sum: that
 * grading then uses a cache of its own, removed when it ends, so nothing a
 * submission plants is used by a later grading.
 *
 * A shared cache: the configured cache (GRADER_CACHE, else build/cache) when
 * this uid can neither change it nor swap it (an instructor's cache built by
 * root, read by students' gradings) is looked in, read-only, before anything
 * is built. Student code under our uid cannot touch what is in it, so it
 * serves even gradings whose results are not protected.
 */
#include "objcache.h"
#include "tool.h"
#include "util.h"
#include "../../sandbox/sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef ENGINE_SOURCES
#error "ENGINE_SOURCES (the engine's .c files) comes from the Makefile"
#endif

#define MAX_OBJECT (256u << 20)

const char *const judge_sources[] = { "judge.c", "rpc.c", "trace.c", "witness.c", "tcpclient.c",
                                      NULL };
const char *const subject_sources[] = { "subject.c", "rpc.c", "intercept.c", "intercept_time.c",
                                        "intercept_io.c", "intercept_proc.c", "intercept_ucontext.c",
                                        "leftovers.c", "c11threads.c",
                                        "atomics.c", /* empty but in the TSan flavour */
                                        ENGINE_SOURCES,
                                        NULL };

static const char *const flavour_names[] = { "judge", "plain", "tsan" };

/* Which of the subject's sources the TSan flavour builds without TSan's
 * instrumentation: all of the grader's but atomics.c, whose wrappers must
 * stay TSan's atomic operations. The plumbing (subject.c, rpc.c) has tables
 * that only sockets order (subject.c says more); the engine's counters and
 * tables, touched by every thread, would order each thread's earlier
 * accesses before every other thread's later ones and so hide races
 * (grader/harness/tsan_hide.h). The real calls they make still reach TSan's interceptors:
 * a student's mutex locked through the engine is still a mutex to TSan.
 * The lesson's test_remote.c stays instrumented: its reads of what the
 * student's code wrote are accesses TSan must see. */
static bool uninstrumented(const char *base)
{
    if (strcmp(base, "atomics.c") == 0)
        return false;
    for (const char *const *s = subject_sources; *s; s++)
        if (strcmp(base, *s) == 0)
            return true;
    return false;
}

/* The flag that makes `base` the TSan flavour's object; NULL in the others. */
static const char *tsan_flag(enum obj_flavour fl, const char *base)
{
    if (fl != OBJ_TSAN)
        return NULL;
    return uninstrumented(base) ? "-DGRADER_TSAN_BUILD" : "-fsanitize=thread";
}

static const char *harness_cflags[] = {
    "-std=c17", "-D_GNU_SOURCE", "-O1", "-g", "-fno-omit-frame-pointer",
    "-pthread", "-Wall", "-Wextra", "-Werror", "-fdiagnostics-color=never", NULL
};

/* The cache of a grading whose results are not protected: private to this
 * process, made once, removed at exit. */
static char *private_cache;
static pid_t private_owner;
static pthread_once_t private_once = PTHREAD_ONCE_INIT;

static void remove_private_cache(void)
{
    if (private_cache && getpid() == private_owner) /* not a forked child's exit */
        remove_tree(private_cache);
}

static void make_private_cache(void)
{
    private_cache = make_temp_dir("grader-private-cache");
    private_owner = getpid();
    if (private_cache)
        atexit(remove_private_cache);
}

/* The cache this course is configured with: $GRADER_CACHE, else
 * <course>/build/cache. malloc'd. */
static char *configured_cache(const course *c)
{
    const char *env = getenv("GRADER_CACHE");
    return env && *env ? xstrdup(env) : xasprintf("%s/build/cache", c->root);
}

char *objcache_dir(const course *c)
{
    sbx_caps caps;
    sbx_capabilities(&caps);
    if (!caps.results_protected) {
        pthread_once(&private_once, make_private_cache);
        if (private_cache)
            return xstrdup(private_cache);
    }
    char *dir = configured_cache(c);
    if (!getenv("GRADER_CACHE") || !*getenv("GRADER_CACHE")) {
        char *parent = xasprintf("%s/build", c->root);
        mkdir(parent, 0755);
        free(parent);
    }
    if ((mkdir(dir, 0755) == 0 || errno == EEXIST) && access(dir, W_OK) == 0)
        return dir;
    /* Not ours to write (it may still be a shared cache to read). */
    free(dir);
    const char *tmp = getenv("TMPDIR");
    dir = xasprintf("%s/grader-cache-%ld", tmp && *tmp ? tmp : "/tmp", (long)getuid());
    mkdir(dir, 0700);
    return dir;
}

static int is_header(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 2 && strcmp(e->d_name + n - 2, ".h") == 0;
}

/* Every header in `dir`, in name order (malloc'd list, *n entries; -1 when
 * the dir cannot be read). */
static int headers_in(const char *dir, struct dirent ***list)
{
    return scandir(dir, list, is_header, alphasort);
}

static void free_list(struct dirent **list, int n)
{
    for (int i = 0; i < n; i++)
        free(list[i]);
    if (n >= 0)
        free(list);
}

/* Chains the name and content of every header in `dir`: an object is
 * rebuilt whenever a header it could include changes. */
static uint64_t hash_headers(const char *dir, uint64_t h)
{
    struct dirent **list;
    int n = headers_in(dir, &list);
    for (int i = 0; i < n; i++) {
        char *path = xasprintf("%s/%s", dir, list[i]->d_name);
        h = hash_bytes(list[i]->d_name, strlen(list[i]->d_name), h);
        h = hash_file(path, h);
        free(path);
    }
    free_list(list, n);
    return h;
}

/* Copies every header of `from` into `to` (created). 0 or -1. */
static int stage_headers(const char *from, const char *to)
{
    if (mkdir(to, 0755) != 0 && errno != EEXIST)
        return -1;
    struct dirent **list;
    int n = headers_in(from, &list);
    int rc = n < 0 ? -1 : 0;
    for (int i = 0; i < n && rc == 0; i++) {
        char *src = xasprintf("%s/%s", from, list[i]->d_name);
        char *dst = xasprintf("%s/%s", to, list[i]->d_name);
        rc = copy_untrusted(src, dst, 1u << 20);
        free(src);
        free(dst);
    }
    free_list(list, n);
    return rc;
}

int objcache_stage(const course *c, const lesson *l, const char *workdir, char **err)
{
    char *course_dir = xasprintf("%s/course", workdir);
    char *harness = xasprintf("%s/grader/harness", c->root);
    char *to_harness = xasprintf("%s/%s", workdir, STAGE_HARNESS);
    char *to_lesson = xasprintf("%s/%s", workdir, STAGE_LESSON);
    char *syms = xasprintf("%s/intercept.syms", harness);
    char *to_syms = xasprintf("%s/intercept.syms", to_harness);
    char *atomic_syms = xasprintf("%s/atomics.syms", harness);
    char *to_atomic_syms = xasprintf("%s/atomics.syms", to_harness);
    int rc = -1;
    if ((mkdir(course_dir, 0755) == 0 || errno == EEXIST) &&
        stage_headers(harness, to_harness) == 0 && stage_headers(l->dir, to_lesson) == 0 &&
        copy_untrusted(syms, to_syms, 1u << 20) == 0 &&
        copy_untrusted(atomic_syms, to_atomic_syms, 1u << 20) == 0)
        rc = 0;
    else
        *err = xasprintf("could not copy the course's headers into the work dir: %s",
                         strerror(errno));
    free(course_dir);
    free(harness);
    free(to_harness);
    free(to_lesson);
    free(syms);
    free(to_syms);
    free(atomic_syms);
    free(to_atomic_syms);
    return rc;
}

void objcache_unstage(const char *workdir)
{
    char *course_dir = xasprintf("%s/course", workdir);
    remove_tree(course_dir);
    free(course_dir);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* The cache key: the source, the headers it may include, the compiler and
 * its flags. Not the lesson, unless the source is one of its tests. */
static uint64_t object_key(const course *c, const lesson *l, const char *src, bool lesson_tests,
                           enum obj_flavour flavour)
{
    char *hdir = xasprintf("%s/grader/harness", c->root);
    uint64_t h = hash_file(src, 0);
    h = hash_headers(hdir, h);
    free(hdir);
    if (lesson_tests)
        h = hash_headers(l->dir, h);
    h = hash_bytes(cc_path(), strlen(cc_path()), h);
    h = hash_bytes(flavour_names[flavour], strlen(flavour_names[flavour]), h);
    for (const char **f = harness_cflags; *f; f++)
        h = hash_bytes(*f, strlen(*f), h);
    const char *base = strrchr(src, '/');
    const char *flag = tsan_flag(flavour, base ? base + 1 : src);
    if (flag)
        h = hash_bytes(flag, strlen(flag), h);
    return h;
}

/* OBJ.sum: the content hash of the object cached as OBJ. */
static char *sum_path(const char *obj)
{
    return xasprintf("%s.sum", obj);
}

/* Records the hash of `content` (the object about to become `obj`). Built
 * under the object's lock: one writer at a time. */
static int write_sum(const char *obj, const char *content)
{
    char *sum = sum_path(obj);
    char text[32];
    snprintf(text, sizeof text, "%016llx\n", (unsigned long long)hash_file(content, 0));
    int rc = write_file_atomic(sum, text, strlen(text));
    free(sum);
    return rc;
}

/* True when `copy` has the content hash recorded for the cached `obj`. */
static bool matches_sum(const char *obj, const char *copy)
{
    char *sum = sum_path(obj);
    size_t len = 0;
    char *text = read_file(sum, 64, &len);
    free(sum);
    if (!text)
        return false;
    unsigned long long want = strtoull(text, NULL, 16);
    free(text);
    return len == 17 && want == (unsigned long long)hash_file(copy, 0);
}

/* True when `path` exists and this uid (so student code running under it)
 * can neither change it nor put something else in its place: neither it nor
 * any dir above it is ours or writable by us, but for a sticky dir (/tmp)
 * whose entry below is not ours. Root owns or may write everything: false. */
static bool unchangeable_by_us(const char *path)
{
    char *p = realpath(path, NULL);
    if (!p)
        return false;
    uid_t me = geteuid();
    bool ok = me != 0, leaf = true;
    while (ok) {
        struct stat st;
        if (lstat(p, &st) != 0 || st.st_uid == me)
            ok = false;
        /* A writable dir is safe only when sticky, above an entry not ours
         * (checked one step earlier): nobody but its owner may rename it. */
        else if (faccessat(AT_FDCWD, p, W_OK, AT_EACCESS) == 0 &&
                 (leaf || !S_ISDIR(st.st_mode) || !(st.st_mode & S_ISVTX)))
            ok = false;
        if (strcmp(p, "/") == 0)
            break;
        char *slash = strrchr(p, '/');
        slash[slash == p ? 1 : 0] = '\0';
        leaf = false;
    }
    free(p);
    return ok;
}

/* Copies `name` from the shared cache (see the top of this file) to `dest`
 * when it is there, unchangeable by us, and matches its sum. */
static bool from_shared_cache(const course *c, const char *name, const char *dest)
{
    char *dir = configured_cache(c);
    char *src = xasprintf("%s/%s", dir, name);
    char *sum = sum_path(src);
    bool ok = unchangeable_by_us(src) && unchangeable_by_us(sum) &&
              copy_untrusted(src, dest, MAX_OBJECT) == 0 && matches_sum(src, dest);
    if (!ok)
        unlink(dest);
    free(dir);
    free(src);
    free(sum);
    return ok;
}

/* Compiles the staged copy of `src` in the sandbox and moves the object into
 * the cache as `obj` (a unique temp name, then rename: atomic). */
static int compile_into_cache(const lesson *l, const char *workdir, const char *src,
                              bool lesson_tests, enum obj_flavour fl, const char *obj, char **err)
{
    const char *base = base_name(src), *flavour = flavour_names[fl];
    /* One dir per flavour: the two flavours may be built side by side. */
    char *srcdir = xasprintf("%s/%s-%s", workdir, STAGE_SOURCES, flavour);
    char *staged = xasprintf("%s/%s", srcdir, base);
    char *rel_src = xasprintf("%s-%s/%s", STAGE_SOURCES, flavour, base);
    char *tmp = xasprintf("%s/%s.%s.o", workdir, base, flavour);
    char *ctmp = xasprintf("%s.%ld.%016llx.tmp", obj, (long)getpid(),
                           (unsigned long long)random_u64());
    char *out = NULL;
    int rc = -1;
    unlink(staged);
    if ((mkdir(srcdir, 0755) != 0 && errno != EEXIST) ||
        copy_untrusted(src, staged, 4u << 20) != 0) {
        *err = xasprintf("could not copy the course's %s into the work dir: %s", base,
                         strerror(errno));
        goto done;
    }
    argv_t a = { 0 };
    arg(&a, cc_path());
    args(&a, harness_cflags);
    arg(&a, fl == OBJ_JUDGE ? "-DREMOTE_JUDGE" : "-DREMOTE_SUBJECT");
    if (tsan_flag(fl, base))
        arg(&a, tsan_flag(fl, base));
    arg(&a, "-iquote" STAGE_HARNESS);
    if (lesson_tests)
        arg(&a, "-iquote" STAGE_LESSON);
    arg(&a, "-c");
    arg(&a, rel_src);
    arg(&a, "-o");
    arg(&a, tmp);
    int built = run_tool(&a, workdir, NULL, 120000, &out);
    argv_free(&a);
    if (built != 0 || copy_untrusted(tmp, ctmp, MAX_OBJECT) != 0 || write_sum(obj, ctmp) != 0 ||
        rename(ctmp, obj) != 0) {
        *err = xasprintf("building the course's %s%s%s failed:\n%s", base,
                         lesson_tests ? " for " : "", lesson_tests ? l->id : "",
                         out ? out : "");
        unlink(ctmp);
        goto done;
    }
    rc = 0;
done:
    unlink(tmp);
    unlink(staged);
    free(out);
    free(srcdir);
    free(staged);
    free(rel_src);
    free(tmp);
    free(ctmp);
    return rc;
}

/* Builds `obj` into the cache unless it is there (or, with `force`, even
 * when it is: its sum did not match). Concurrent gradings (lessons in
 * parallel, a batch) wait for the one that builds it instead of all
 * compiling it. Sets *rc to 0 or -1 (*err set). */
static void with_lock(const char *obj, bool force, const course *c, const lesson *l,
                      const char *workdir, const char *src, bool lesson_tests,
                      enum obj_flavour flavour, char **err, int *rc)
{
    (void)c;
    *rc = 0;
    if (!force && is_file(obj))
        return;
    char *lockpath = xasprintf("%s.lock", obj);
    int lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (lock >= 0)
        flock(lock, LOCK_EX);
    if (force || !is_file(obj))
        *rc = compile_into_cache(l, workdir, src, lesson_tests, flavour, obj, err);
    if (lock >= 0) {
        unlink(lockpath);
        close(lock);
    }
    free(lockpath);
}

char *objcache_object(const course *c, const lesson *l, const char *workdir, const char *src,
                      bool lesson_tests, enum obj_flavour flavour, char **err)
{
    const char *base = base_name(src);
    unsigned long long key = object_key(c, l, src, lesson_tests, flavour);
    char *name = lesson_tests ? xasprintf("%s-%s-%016llx.o", l->id, base, key)
                              : xasprintf("course-%s-%016llx.o", base, key);
    char *cache = objcache_dir(c);
    char *obj = xasprintf("%s/%s", cache, name);
    free(cache);
    /* What the link uses: a copy in the work dir, never the cache's file. */
    char *objdir = xasprintf("%s/%s", workdir, STAGE_OBJECTS);
    char *copy = xasprintf("%s/%s-%s.o", objdir, flavour_names[flavour], base);
    mkdir(objdir, 0755);
    free(objdir);
    unlink(copy);
    bool shared = !is_file(obj) && from_shared_cache(c, name, copy);
    free(name);
    if (shared) {
        free(obj);
        return copy;
    }
    int rc;
    bool retried = false;
    with_lock(obj, false, c, l, workdir, src, lesson_tests, flavour, err, &rc);
use:
    if (rc != 0) {
        free(copy);
        free(obj);
        return NULL;
    }
    unlink(copy);
    int copied = copy_untrusted(obj, copy, MAX_OBJECT);
    /* What we link is what we built: the copy (the cache may change under
     * us) must match the sum; else the cached object is rebuilt, once, under
     * the lock. */
    if (copied == 0 && !matches_sum(obj, copy) && !retried) {
        with_lock(obj, true, c, l, workdir, src, lesson_tests, flavour, err, &rc);
        retried = true;
        goto use;
    }
    if (copied != 0 || !matches_sum(obj, copy)) {
        *err = copied != 0 ? xasprintf("could not copy the course's %s object into the work dir: %s",
                                       base, strerror(errno))
                           : xasprintf("the cached object of the course's %s changed after it "
                                       "was built, twice: not used",
                                       base);
        unlink(copy);
        free(copy);
        copy = NULL;
    }
    free(obj);
    return copy;
}

char *objcache_binary(const course *c, const lesson *l, const char *name, uint64_t key)
{
    char *cache = objcache_dir(c);
    char *path = xasprintf("%s/%s-%s-%016llx", cache, l->id, name, (unsigned long long)key);
    free(cache);
    return path;
}

bool objcache_fetch_binary(const course *c, const char *cached, const char *dest)
{
    unlink(dest);
    if (!is_file(cached))
        return from_shared_cache(c, base_name(cached), dest) && chmod(dest, 0755) == 0;
    if (copy_untrusted(cached, dest, MAX_OBJECT) != 0)
        return false;
    /* What we run is what we linked: the copy must match the sum. */
    if (!matches_sum(cached, dest) || chmod(dest, 0755) != 0) {
        unlink(dest);
        return false;
    }
    return true;
}

void objcache_store_binary(const char *cached, const char *built)
{
    char *tmp = xasprintf("%s.%ld.%016llx.tmp", cached, (long)getpid(),
                          (unsigned long long)random_u64());
    /* The sum first, then the binary, by rename: a reader sees either no
     * binary or one whose sum is written (a sum from a concurrent store of
     * the same key is the same sum). */
    if (copy_untrusted(built, tmp, MAX_OBJECT) != 0 || write_sum(cached, tmp) != 0 ||
        rename(tmp, cached) != 0)
        unlink(tmp);
    free(tmp);
}
