/* tool.c - see tool.h. */
#include "tool.h"
#include "util.h"
#include "../../sandbox/sandbox.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define TOOL_OUTPUT_CAP (64u << 10)

void arg(argv_t *a, const char *s)
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

void args(argv_t *a, const char *const *list)
{
    for (; *list; list++)
        arg(a, *list);
}

void arg_words(argv_t *a, const char *words)
{
    char *copy = xstrdup(words), *save = NULL;
    for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
        arg(a, w);
    free(copy);
}

void argv_free(argv_t *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    memset(a, 0, sizeof *a);
}

const char *cc_path(void)
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

int run_tool(argv_t *a, const char *workdir, const char *const *ro_paths, unsigned timeout_ms,
             char **out)
{
    sbx_spec spec = {
        .argv = (const char *const *)a->v,
        .workdir = workdir,
        .ro_paths = ro_paths,
        .wall_ms = timeout_ms,
        .cpu_ms = timeout_ms,
        .output_cap = TOOL_OUTPUT_CAP,
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
                         TOOL_OUTPUT_CAP >> 10);
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
