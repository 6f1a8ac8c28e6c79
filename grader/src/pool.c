/* pool.c - see pool.h.
 *
 * Each child writes, on one pipe, its progress text, then a NUL byte, then
 * its JSON (compact). The parent polls every running child's pipe, keeps
 * what each one sent, and forwards progress in index order.
 */
#include "pool.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct piece {
    pid_t pid;          /* 0: not started; -1: finished */
    int fd;             /* the read end of its pipe, -1 when closed */
    char *buf;          /* everything it sent */
    size_t len, cap;
    size_t shown;       /* progress bytes already forwarded */
    int status;         /* its wait status */
} piece;

unsigned pool_default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (unsigned)n;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* pool_run_until's on_cancel, in the child. */
static void (*cancel_handler)(void);

static void on_sigusr1(int sig)
{
    (void)sig;
    if (cancel_handler)
        cancel_handler();
}

/* In the child: do the work, send the progress, a NUL, the JSON. */
static void child(size_t i, int fd, pid_t parent, pool_fn fn, void *ctx)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) /* the parent died before the line above */
        _exit(1);
    signal(SIGPIPE, SIG_DFL);
    struct sigaction sa = { .sa_handler = on_sigusr1, .sa_flags = SA_RESTART };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL); /* under pool_run (no on_cancel) it does nothing */
    FILE *progress = fdopen(dup(fd), "w");
    if (!progress)
        _exit(1);
    setvbuf(progress, NULL, _IOLBF, 0);
    json_t *j = fn(i, progress, ctx);
    fflush(progress);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    int rc = text && write_all(fd, "", 1) == 0 && write_all(fd, text, strlen(text)) == 0 ? 0 : 1;
    _exit(rc);
}

static int start(piece *p, size_t i, pool_fn fn, void *ctx)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    fflush(NULL); /* nothing buffered is written twice */
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        child(i, fds[1], parent, fn, ctx);
    }
    close(fds[1]);
    p->pid = pid;
    p->fd = fds[0];
    return 0;
}

/* Reads what is there; closes the pipe and reaps the child at EOF. */
static void drain(piece *p)
{
    if (p->len + 65536 + 1 > p->cap) {
        p->cap = p->cap ? p->cap * 2 : 131072;
        p->buf = realloc(p->buf, p->cap);
        if (!p->buf) {
            fputs("grader: out of memory\n", stderr);
            exit(1);
        }
    }
    ssize_t n = read(p->fd, p->buf + p->len, p->cap - p->len - 1);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n > 0) {
        p->len += (size_t)n;
        p->buf[p->len] = '\0';
        return;
    }
    close(p->fd);
    p->fd = -1;
    while (waitpid(p->pid, &p->status, 0) < 0 && errno == EINTR)
        ;
    p->pid = -1;
}

/* Progress is what comes before the NUL. */
static size_t progress_len(const piece *p)
{
    const char *nul = p->buf ? memchr(p->buf, '\0', p->len) : NULL;
    return nul ? (size_t)(nul - p->buf) : p->len;
}

static void forward(piece *p, FILE *out)
{
    size_t n = progress_len(p);
    if (out && n > p->shown) {
        fwrite(p->buf + p->shown, 1, n - p->shown, out);
        fflush(out);
    }
    p->shown = n;
}

static char *died(const piece *p, const char *what)
{
    int st = p->status;
    if (WIFSIGNALED(st))
        return xasprintf("the grader's process for this %s was killed by signal %d (%s)", what,
                         WTERMSIG(st), strsignal(WTERMSIG(st)));
    return xasprintf("the grader's process for this %s ended (status %d) without a result", what,
                     WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static void collect(piece *p, const char *what, json_t **result, char **failure)
{
    *result = NULL;
    *failure = NULL;
    size_t pl = progress_len(p);
    if (WIFEXITED(p->status) && WEXITSTATUS(p->status) == 0 && pl < p->len) {
        json_error_t e;
        *result = json_loadb(p->buf + pl + 1, p->len - pl - 1, 0, &e);
    }
    if (!*result)
        *failure = died(p, what);
}

static void run_pieces(size_t n, unsigned jobs, const bool *exclusive, pool_fn fn, void *ctx,
                       pool_stop_fn stop, const char *what, FILE *progress, json_t **results,
                       char **failures);

void pool_run(size_t n, unsigned jobs, const bool *exclusive, pool_fn fn, void *ctx,
              const char *what, FILE *progress, json_t **results, char **failures)
{
    run_pieces(n, jobs, exclusive, fn, ctx, NULL, what, progress, results, failures);
}

void pool_run_until(size_t n, unsigned jobs, pool_fn fn, void *ctx, pool_stop_fn stop,
                    void (*on_cancel)(void), const char *what, json_t **results, char **failures)
{
    cancel_handler = on_cancel; /* the children inherit it */
    run_pieces(n, jobs, NULL, fn, ctx, stop, what, NULL, results, failures);
    cancel_handler = NULL;
}

/* The pieces from `from` on are not wanted: those running are told so,
 * the others never start. */
static void cancel_from(piece *p, size_t n, size_t from, size_t *next_start)
{
    for (size_t j = from; j < *next_start; j++)
        if (p[j].pid > 0)
            kill(p[j].pid, SIGUSR1);
    for (size_t j = *next_start; j < n; j++) {
        p[j].pid = -1; /* finished, with nothing sent */
        p[j].status = 0;
    }
    *next_start = n;
}

static void run_pieces(size_t n, unsigned jobs, const bool *exclusive, pool_fn fn, void *ctx,
                       pool_stop_fn stop, const char *what, FILE *progress, json_t **results,
                       char **failures)
{
    size_t unwanted = n; /* pieces from here on were cancelled */
    piece *p = xcalloc(n ? n : 1, sizeof *p);
    for (size_t i = 0; i < n; i++)
        p[i].fd = -1;
    /* The order the pieces start in: the exclusive ones first. An
     * exclusive piece met later waits for the running ones to finish while
     * the other cores idle; first, nothing is running yet. (Results and
     * progress still come in index order. With `stop`, there are no
     * exclusive pieces: the order is the index order cancel_from counts.) */
    size_t *order = xcalloc(n ? n : 1, sizeof *order), nordered = 0;
    for (size_t i = 0; exclusive && i < n; i++)
        if (exclusive[i])
            order[nordered++] = i;
    for (size_t i = 0; i < n; i++)
        if (!exclusive || !exclusive[i])
            order[nordered++] = i;
    size_t next_start = 0, next_shown = 0, running = 0;
    struct pollfd *pf = xcalloc(jobs, sizeof *pf);
    size_t *which = xcalloc(jobs, sizeof *which);
    bool alone = false; /* an exclusive piece is running */
    while (next_shown < n) {
        while (running < jobs && next_start < n && !alone) {
            size_t i = order[next_start];
            bool excl = exclusive && exclusive[i];
            if (excl && running > 0)
                break; /* it waits for the others to finish */
            if (start(&p[i], i, fn, ctx) == 0) {
                running++;
                alone = excl;
            } else { /* could not fork: this piece fails, the rest go on */
                p[i].pid = -1;
                p[i].status = 127 << 8;
            }
            next_start++;
        }
        /* The oldest unfinished piece shows its progress live. */
        forward(&p[next_shown], progress);
        while (next_shown < n && p[next_shown].pid == -1) {
            forward(&p[next_shown], progress);
            collect(&p[next_shown], what, &results[next_shown], &failures[next_shown]);
            if (next_shown >= unwanted) {
                json_decref(results[next_shown]);
                results[next_shown] = NULL;
                free(failures[next_shown]);
                failures[next_shown] = xstrdup("cancelled");
            } else if (stop && next_shown + 1 < n &&
                       stop(next_shown, results[next_shown], ctx)) {
                unwanted = next_shown + 1;
                cancel_from(p, n, unwanted, &next_start);
            }
            free(p[next_shown].buf);
            p[next_shown].buf = NULL;
            next_shown++;
            if (next_shown < n)
                forward(&p[next_shown], progress);
        }
        if (next_shown >= n)
            break;
        nfds_t k = 0;
        for (size_t i = next_shown; i < n && k < jobs; i++)
            if (p[i].fd >= 0) {
                pf[k] = (struct pollfd){ p[i].fd, POLLIN, 0 };
                which[k++] = i;
            }
        if (k == 0)
            continue;
        if (poll(pf, k, -1) < 0 && errno != EINTR)
            continue;
        for (nfds_t j = 0; j < k; j++)
            if (pf[j].revents) {
                bool was_running = p[which[j]].pid > 0;
                drain(&p[which[j]]);
                if (was_running && p[which[j]].pid == -1 && --running == 0)
                    alone = false;
            }
    }
    free(pf);
    free(which);
    free(order);
    free(p);
}
