/* build.c - see build.h. */
#include "build.h"
#include "elfcheck.h"
#include "util.h"
#include "../../sandbox/sandbox.h"

#include <dirent.h>
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

#define MAX_SOURCE (1u << 20)
#define COMPILE_OUTPUT_CAP (64u << 10)

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

static const char *harness_cflags[] = {
    "-std=c17", "-D_GNU_SOURCE", "-O1", "-g", "-fno-omit-frame-pointer",
    "-pthread", "-Wall", "-Wextra", "-Werror", "-fdiagnostics-color=never", NULL
};

/* ---- argv building ------------------------------------------------------- */

typedef struct argv_t {
    char **v;
    size_t n, cap;
} argv_t;

static void arg(argv_t *a, const char *s)
{
    if (a->n + 2 > a->cap) {
        a->cap = a->cap ? a->cap * 2 : 32;
        a->v = realloc(a->v, a->cap * sizeof *a->v);
        if (!a->v) {
            fputs("grader: out of memory\n", stderr);
            exit(1);
        }
    }
    a->v[a->n++] = xstrdup(s);
    a->v[a->n] = NULL;
}

static void args(argv_t *a, const char *const *list)
{
    for (; *list; list++)
        arg(a, *list);
}

/* Splits a space-separated flag string (from the Makefile) into arguments. */
static void arg_words(argv_t *a, const char *words)
{
    char *copy = xstrdup(words), *save = NULL;
    for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
        arg(a, w);
    free(copy);
}

static void argv_free(argv_t *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    memset(a, 0, sizeof *a);
}

/* ---- running tools ------------------------------------------------------- */

static const char *cc_path(void)
{
    static char *cc;
    if (!cc) {
        const char *env = getenv("GRADER_CC");
        cc = find_in_path(env && *env ? env : "cc");
        if (!cc)
            cc = xstrdup("/usr/bin/cc");
    }
    return cc;
}

/* Runs a toolchain step in the sandbox (it sees the system's toolchain, the
 * work dir and `ro_paths` read-only, nothing else of the course). Returns 0 when it succeeded; else -1
 * with a malloc'd explanation in *out (or NULL). Output goes to *out too. */
static int run_tool(argv_t *a, const char *workdir, const char *const *ro_paths,
                    unsigned timeout_ms, char **out)
{
    sbx_spec spec = {
        .argv = (const char *const *)a->v,
        .workdir = workdir,
        .ro_paths = ro_paths, /* all the tool may see besides the system and workdir */
        .wall_ms = timeout_ms,
        .cpu_ms = timeout_ms,
        .output_cap = COMPILE_OUTPUT_CAP,
        .max_file_bytes = 256u << 20,
        .pass_fd = -1,
        .compiler = true,
    };
    sbx_result res;
    *out = NULL;
    if (sbx_run(&spec, &res) != 0) {
        *out = xasprintf("could not start %s: %s", a->v[0], strerror(errno));
        return -1;
    }
    int rc = 0;
    if (res.timed_out || res.cpu_exceeded) {
        *out = xasprintf("%s%sthe compiler took longer than %u s and was stopped",
                         res.output, res.output_len ? "\n" : "", timeout_ms / 1000);
        rc = -1;
    } else if (res.output_limit) {
        *out = xasprintf("%s\n[compiler output cut at %u KiB]", res.output,
                         COMPILE_OUTPUT_CAP >> 10);
        rc = -1;
    } else if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0) {
        if (WIFSIGNALED(res.status))
            *out = xasprintf("%s%sthe compiler was killed by signal %d (out of memory?)",
                             res.output, res.output_len ? "\n" : "", WTERMSIG(res.status));
        else
            *out = xstrdup(res.output);
        rc = -1;
    } else if (res.output_len) {
        *out = xstrdup(res.output);
    }
    sbx_result_free(&res);
    return rc;
}

/* ---- the cache of the course's own objects -------------------------------- */

char *build_cache_dir(const course *c)
{
    const char *env = getenv("GRADER_CACHE");
    if (env && *env) {
        mkdir(env, 0755);
        return xstrdup(env);
    }
    char *dir = xasprintf("%s/build/cache", c->root);
    char *parent = xasprintf("%s/build", c->root);
    mkdir(parent, 0755);
    free(parent);
    if ((mkdir(dir, 0755) == 0 || errno == EEXIST) && access(dir, W_OK) == 0)
        return dir;
    free(dir);
    const char *tmp = getenv("TMPDIR");
    dir = xasprintf("%s/grader-cache-%ld", tmp && *tmp ? tmp : "/tmp", (long)getuid());
    mkdir(dir, 0700);
    return dir;
}

/* The concurrency engine, linked into every test binary (grader/harness/). */
static const char *const engine_sources[] = { "engine.c", "lockorder.c", "noise.c",
                                              "watchdog.c", NULL };
static int is_header(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 2 && strcmp(e->d_name + n - 2, ".h") == 0;
}

/* Chains the hash of every header in `dir`, in name order: a course object
 * is rebuilt whenever any header it could include changes. */
static uint64_t hash_headers(const char *dir, uint64_t h)
{
    struct dirent **list;
    int n = scandir(dir, &list, is_header, alphasort);
    for (int i = 0; i < n; i++) {
        char *path = xasprintf("%s/%s", dir, list[i]->d_name);
        h = hash_bytes(list[i]->d_name, strlen(list[i]->d_name), h);
        h = hash_file(path, h);
        free(path);
        free(list[i]);
    }
    if (n >= 0)
        free(list);
    return h;
}

/* Compiles one of the course's sources into the cache (once per content and
 * flags). Returns the object's path, or NULL with the error in *err. */
static char *cached_object(const build_options *o, const char *src, bool tsan, char **err)
{
    const char *harness_dir_fmt = "%s/grader/harness";
    char *hdir = xasprintf(harness_dir_fmt, o->c->root);
    uint64_t h = hash_file(src, 0);
    h = hash_headers(hdir, h);
    h = hash_headers(o->l->dir, h);
    h = hash_bytes(cc_path(), strlen(cc_path()), h);
    h = hash_bytes(tsan ? "tsan" : "plain", 5, h);
    for (const char **f = harness_cflags; *f; f++)
        h = hash_bytes(*f, strlen(*f), h);
    const char *base = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
    char *cache = build_cache_dir(o->c);
    char *obj = xasprintf("%s/%s-%s-%016llx.o", cache, o->l->id, base, (unsigned long long)h);
    free(cache);
    if (!is_file(obj)) {
        /* Compiled in the work dir (the sandbox sees no cache), then copied
         * into the cache under a unique name and renamed: atomic. */
        char *tmp = xasprintf("%s/course-%016llx.o", o->workdir, (unsigned long long)h);
        char *ctmp = xasprintf("%s.%ld.%016llx.tmp", obj, (long)getpid(),
                               (unsigned long long)random_u64());
        char *sdir = xstrdup(src);
        if (strrchr(sdir, '/'))
            *strrchr(sdir, '/') = '\0';
        const char *ro[] = { hdir, o->l->dir, sdir, NULL };
        argv_t a = { 0 };
        arg(&a, cc_path());
        args(&a, harness_cflags);
        if (tsan)
            arg(&a, "-fsanitize=thread");
        char *inc1 = xasprintf("-I%s", hdir), *inc2 = xasprintf("-I%s", o->l->dir);
        arg(&a, inc1);
        arg(&a, inc2);
        arg(&a, "-c");
        arg(&a, src);
        arg(&a, "-o");
        arg(&a, tmp);
        free(inc1);
        free(inc2);
        char *out = NULL;
        if (run_tool(&a, o->workdir, ro, 120000, &out) != 0 ||
            copy_untrusted(tmp, ctmp, 256u << 20) != 0 || rename(ctmp, obj) != 0) {
            *err = xasprintf("building the course's %s failed:\n%s", base, out ? out : "");
            unlink(ctmp);
            free(obj);
            obj = NULL;
        }
        unlink(tmp);
        free(out);
        free(tmp);
        free(ctmp);
        free(sdir);
        argv_free(&a);
    }
    free(hdir);
    return obj;
}

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

/* Fills r->message and returns BUILD_FORBIDDEN when the object breaks a rule. */
static enum build_status check_object(const build_options *o, const char *obj,
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
    if (s.ninit) {
        r->message = xasprintf("%s.c defines a %s section (a constructor or destructor): "
                               "code that runs before main or after exit is not allowed",
                               file, s.init_sections[0]);
        st = BUILD_FORBIDDEN;
        goto out;
    }
    for (size_t i = 0; i < s.nundefined; i++) {
        const char *u = s.undefined[i];
        if (course_forbids(u) || listed(o->l->forbidden, o->l->nforbidden, u)) {
            r->message = xasprintf("%s.c calls %s(), which this lesson does not allow", file, u);
            st = BUILD_FORBIDDEN;
            goto out;
        }
    }
    for (size_t i = 0; i < s.ndefined; i++) {
        if (!listed(o->l->api, o->l->napi, s.defined[i])) {
            r->message = xasprintf("%s.c defines a global `%s` that is not part of the lesson's "
                                   "API: make it static", file, s.defined[i]);
            st = BUILD_FORBIDDEN;
            goto out;
        }
    }
    /* The student's code may not reach into the harness or the tests. */
    for (size_t k = 0; k < nharness && st == BUILD_OK; k++) {
        elf_symbols h;
        if (elf_read_symbols(harness_objs[k], &h, err, sizeof err) != 0)
            continue;
        for (size_t i = 0; i < s.nundefined && st == BUILD_OK; i++) {
            if (listed(h.defined, h.ndefined, s.undefined[i])) {
                r->message = xasprintf("%s.c uses `%s`, which belongs to the grader's tests",
                                       file, s.undefined[i]);
                st = BUILD_FORBIDDEN;
            }
        }
        elf_symbols_free(&h);
    }
out:
    elf_symbols_free(&s);
    return st;
}

/* ---- the build ----------------------------------------------------------- */

static int compile_student(const build_options *o, const char *src, const char *obj,
                           bool tsan, char **out)
{
    argv_t a = { 0 };
    arg(&a, cc_path());
    args(&a, student_cflags);
    if (tsan)
        arg(&a, "-fsanitize=thread");
    char *inc = xasprintf("-I%s", o->l->dir);
    arg(&a, inc);
    free(inc);
    arg(&a, "-c");
    arg(&a, src);
    arg(&a, "-o");
    arg(&a, obj);
    const char *ro[] = { o->l->dir, NULL };
    int rc = run_tool(&a, o->workdir, ro, o->l->compile_timeout_ms, out);
    argv_free(&a);
    return rc;
}

/* Renames the student's pthread calls to the harness's interposers. */
static int reroute_calls(const build_options *o, const char *in, const char *outobj, char **out)
{
    argv_t a = { 0 };
    char *objcopy = find_in_path("objcopy");
    arg(&a, objcopy ? objcopy : "/usr/bin/objcopy");
    free(objcopy);
    char *syms = xasprintf("%s/grader/harness/intercept.syms", o->c->root);
    char *opt = xasprintf("--redefine-syms=%s", syms);
    arg(&a, opt);
    free(opt);
    arg(&a, in);
    arg(&a, outobj);
    const char *ro[] = { syms, NULL };
    int rc = run_tool(&a, o->workdir, ro, 30000, out);
    free(syms);
    argv_free(&a);
    return rc;
}

static int link_binary(const build_options *o, const char *student_obj, char **objs,
                       size_t nobjs, const char *bin, bool tsan, char **out)
{
    argv_t a = { 0 };
    arg(&a, cc_path());
    arg(&a, "-pthread");
    if (tsan)
        arg(&a, "-fsanitize=thread");
    arg(&a, "-o");
    arg(&a, bin);
    arg(&a, student_obj);
    for (size_t i = 0; i < nobjs; i++)
        arg(&a, objs[i]);
    arg_words(&a, CHECK_LIBS);
    arg(&a, "-ldl");
    char *cache = build_cache_dir(o->c);
    const char *ro[] = { cache, NULL };
    int rc = run_tool(&a, o->workdir, ro, o->l->compile_timeout_ms, out);
    free(cache);
    argv_free(&a);
    return rc;
}

/* Builds one flavour (plain or tsan). Returns a build_status. */
static enum build_status build_flavour(const build_options *o, const char *src, bool tsan,
                                       build_result *r)
{
    const char *sfx = tsan ? "_tsan" : "";
    char *obj = xasprintf("%s/student%s.o", o->workdir, sfx);
    char *wrapped = xasprintf("%s/student%s_rerouted.o", o->workdir, sfx);
    char *bin = xasprintf("%s/tests%s", o->workdir, sfx);
    char *objs[16] = { 0 };
    size_t nobjs = 0;
    char *out = NULL, *err = NULL;
    enum build_status st = BUILD_OK;

    if (compile_student(o, src, obj, tsan, &out) != 0) {
        r->message = out ? out : xstrdup("the compiler failed without a message");
        out = NULL;
        st = BUILD_COMPILE_ERROR;
        goto done;
    }
    if (!tsan && out && *out)
        r->warnings = xstrdup(out);
    free(out);
    out = NULL;

    char *hsrc = xasprintf("%s/grader/harness/harness.c", o->c->root);
    char *isrc = xasprintf("%s/grader/harness/intercept.c", o->c->root);
    char *tsrc = xasprintf("%s/grader/harness/trace.c", o->c->root);
    const char *sources[] = { hsrc, isrc, tsrc, o->l->public_tests,
                              o->with_hidden ? o->l->hidden_tests : NULL };
    for (size_t i = 0; i < sizeof sources / sizeof sources[0] && st == BUILD_OK; i++) {
        if (!sources[i])
            continue;
        objs[nobjs] = cached_object(o, sources[i], tsan, &err);
        if (!objs[nobjs]) {
            r->message = err;
            st = BUILD_INTERNAL;
        } else {
            nobjs++;
        }
    }
    free(hsrc);
    free(isrc);
    free(tsrc);
    for (const char *const *e = engine_sources; *e && st == BUILD_OK; e++) {
        char *esrc = xasprintf("%s/grader/harness/%s", o->c->root, *e);
        objs[nobjs] = cached_object(o, esrc, tsan, &err);
        free(esrc);
        if (!objs[nobjs]) {
            r->message = err;
            st = BUILD_INTERNAL;
        } else {
            nobjs++;
        }
    }
    if (st != BUILD_OK)
        goto done;

    if (!tsan) {
        st = check_object(o, obj, objs, nobjs, r);
        if (st != BUILD_OK)
            goto done;
    }
    if (reroute_calls(o, obj, wrapped, &out) != 0) {
        r->message = xasprintf("objcopy failed: %s", out ? out : "");
        st = BUILD_INTERNAL;
        goto done;
    }
    free(out);
    out = NULL;
    if (link_binary(o, wrapped, objs, nobjs, bin, tsan, &out) != 0) {
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
    /* Compile by its plain name, so messages say "bank.c:12", not a temp path. */
    char *rel = xasprintf("%s.c", o->l->slug);
    r->status = build_flavour(o, rel, false, r);
    if (r->status == BUILD_OK && o->l->tsan)
        r->status = build_flavour(o, rel, true, r);
    free(rel);
    free(src);
    return 0;
}

void build_result_free(build_result *r)
{
    free(r->message);
    free(r->warnings);
    free(r->bin);
    free(r->bin_tsan);
    memset(r, 0, sizeof *r);
}
