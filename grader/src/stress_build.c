/* stress_build.c - builds a program for `grader stress` from its sources
 * (stress_build.h): one compiler run per flavour, its diagnostics kept so a
 * failed build can be shown as its first error lines.
 */
#include "stress_build.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_SOURCES 64
#define ERROR_LINES 6

static const char *compiler(void)
{
    const char *cc = getenv("CC");
    return cc && *cc ? cc : "cc";
}

/* Runs argv with stdout+stderr into `log` (a path); returns its wait status or -1. */
static int run_logged(char *const *argv, const char *log)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execvp(argv[0], argv);
        fprintf(stderr, "cannot run %s\n", argv[0]);
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return status;
}

/* The lines of `log` that say "error" (else its first lines), at most ERROR_LINES. */
static char *first_errors(const char *log)
{
    FILE *f = fopen(log, "r");
    if (!f)
        return xstrdup("");
    char line[512], *out = xstrdup(""), *head = xstrdup("");
    int errors = 0, lines = 0;
    while (fgets(line, sizeof line, f)) {
        if (errors < ERROR_LINES && strstr(line, "error")) {
            char *more = xasprintf("%s%s", out, line);
            free(out);
            out = more;
            errors++;
        }
        if (lines++ < ERROR_LINES) {
            char *more = xasprintf("%s%s", head, line);
            free(head);
            head = more;
        }
    }
    fclose(f);
    if (!*out) {
        free(out);
        out = head;
    } else {
        free(head);
    }
    size_t n = strlen(out);
    if (n && out[n - 1] == '\n')
        out[n - 1] = '\0';
    return out;
}

char *stress_build(char *const *srcs, size_t n, const char *dir, bool tsan, char **errors)
{
    *errors = NULL;
    if (n > MAX_SOURCES) {
        *errors = xasprintf("more than %d source files", MAX_SOURCES);
        return NULL;
    }
    char *bin = xasprintf("%s/%s", dir, tsan ? "prog_tsan" : "prog");
    char *log = xasprintf("%s/%s.log", dir, tsan ? "cc_tsan" : "cc");
    char *argv[MAX_SOURCES + 16];
    size_t k = 0;
    argv[k++] = (char *)compiler();
    argv[k++] = "-std=c17";
    argv[k++] = "-g";
    argv[k++] = "-pthread";
    if (tsan)
        argv[k++] = "-fsanitize=thread";
    for (size_t i = 0; i < n; i++)
        argv[k++] = srcs[i];
    argv[k++] = "-o";
    argv[k++] = bin;
    argv[k++] = "-lm";
    argv[k] = NULL;
    int status = run_logged(argv, log);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || !is_file(bin)) {
        *errors = first_errors(log);
        free(bin);
        bin = NULL;
    }
    free(log);
    return bin;
}
