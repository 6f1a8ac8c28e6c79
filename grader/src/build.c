/* build.c - see build.h. */
#include "build.h"
#include "elfcheck.h"
#include "objcache.h"
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

#define MAX_SOURCE (1u << 20)

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
    arg(&a, "-I" STAGE_LESSON);
    arg(&a, "-c");
    arg(&a, src);
    arg(&a, "-o");
    arg(&a, obj);
    int rc = run_tool(&a, o->workdir, NULL, o->l->compile_timeout_ms, out);
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
    arg(&a, "--redefine-syms=" STAGE_HARNESS "/intercept.syms");
    arg(&a, in);
    arg(&a, outobj);
    int rc = run_tool(&a, o->workdir, NULL, 30000, out);
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
    int rc = run_tool(&a, o->workdir, NULL, o->l->compile_timeout_ms, out);
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

    /* The course's objects: the harness and engine (shared by every lesson),
     * then the lesson's tests. */
    for (const char *const *h = harness_sources; *h && st == BUILD_OK; h++) {
        char *hsrc = xasprintf("%s/grader/harness/%s", o->c->root, *h);
        objs[nobjs] = objcache_object(o->c, o->l, o->workdir, hsrc, false, tsan, &err);
        free(hsrc);
        if (objs[nobjs])
            nobjs++;
        else
            st = BUILD_INTERNAL;
    }
    const char *tests[] = { o->l->public_tests, o->with_hidden ? o->l->hidden_tests : NULL };
    for (size_t i = 0; i < 2 && st == BUILD_OK; i++) {
        if (!tests[i])
            continue;
        objs[nobjs] = objcache_object(o->c, o->l, o->workdir, tests[i], true, tsan, &err);
        if (objs[nobjs])
            nobjs++;
        else
            st = BUILD_INTERNAL;
    }
    if (st != BUILD_OK) {
        r->message = err;
        goto done;
    }

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
    /* Compile by its plain name, so messages say "bank.c:12", not a temp path. */
    char *rel = xasprintf("%s.c", o->l->slug);
    tsan_child child = { -1, -1 };
    if (o->l->tsan && o->parallel)
        start_tsan_child(o, rel, &child);
    r->status = build_flavour(o, rel, false, r);
    if (child.pid > 0) {
        /* The plain flavour's verdict comes first, as in a sequential build. */
        build_result tr = { 0 };
        finish_tsan_child(&child, &tr);
        if (r->status == BUILD_OK) {
            r->status = tr.status;
            if (tr.status == BUILD_OK)
                r->bin_tsan = xasprintf("%s/tests_tsan", o->workdir);
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
    objcache_unstage(o->workdir);
    char *objdir = xasprintf("%s/%s", o->workdir, STAGE_OBJECTS);
    remove_tree(objdir);
    free(objdir);
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
