/* batch_run.c - the scheduler of `grader batch`: up to N children, each a
 * `grader grade` of one student (via /proc/self/exe), so a crash, a hang or
 * hostile code in one submission never stops the batch.
 *
 * Never grading a student twice: the child itself publishes
 * <out>/<id>.json (atomic rename) and holds a lock on <out>/.locks/<id>.lock,
 * inherited from us, for as long as it runs. A restarted batch skips a
 * student whose JSON matches the files on disk; a student whose lock is held
 * (a child orphaned by a killed batch is still at work) is retried later and
 * then, normally, skipped because the orphan published its JSON.
 *
 * We are a child subreaper: what a killed child leaves behind (its sandboxed
 * tests run in their own process groups) is re-parented to us, and we kill it. */
#include "batch.h"
#include "grade.h"
#include "results_json.h"
#include "progress.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct job {
    student *s;
    pid_t pid;
    int lockfd;
    double started_ms;
    bool capped;
} job;

enum start_result { STARTED, SKIPPED, BUSY, FAILED };

static volatile sig_atomic_t stop_signal;
static void on_signal(int sig) { stop_signal = sig; }

void batch_log(const char *outdir, const char *fmt, ...)
{
    char *path = xasprintf("%s/batch.log", outdir);
    FILE *f = fopen(path, "a");
    free(path);
    if (!f)
        return;
    char *when = iso_time_now();
    fprintf(f, "%s %ld ", when, (long)getpid());
    free(when);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
    fclose(f);
}

char *student_json_path(const char *outdir, const char *id)
{
    return xasprintf("%s/%s.json", outdir, id);
}

static json_t *load_results(const char *outdir, const char *id)
{
    char *path = student_json_path(outdir, id);
    json_t *doc = is_file(path) ? json_load_file(path, 0, NULL) : NULL;
    free(path);
    return doc;
}

bool already_graded(const char *outdir, const char *id, const char *hash)
{
    json_t *doc = load_results(outdir, id);
    const char *h = json_string_value(json_object_get(doc, "submission_hash"));
    bool ok = h && json_is_array(json_object_get(doc, "lessons")) && strcmp(h, hash) == 0;
    json_decref(doc);
    return ok;
}

static bool selected(const batch_options *o, const lesson *l)
{
    if (o->nlessons == 0)
        return true;
    for (size_t i = 0; i < o->nlessons; i++)
        if (strcmp(o->lessons[i], l->id) == 0 || strcmp(o->lessons[i], l->slug) == 0)
            return true;
    return false;
}

/* The results file of a student whose grading failed: every selected lesson
 * "error", score 0, and why in "grading_error". Valid against the schema. */
void batch_write_error_doc(const batch_options *o, const student *s, const char *reason)
{
    json_t *lessons = json_array();
    double max = 0;
    for (size_t i = 0; i < o->c->nlessons; i++) {
        const lesson *l = &o->c->lessons[i];
        if (!selected(o, l))
            continue;
        double lm = 0;
        for (int k = 0; k < NCAT; k++)
            lm += l->points[k];
        max += lm;
        json_array_append_new(lessons, json_pack("{s:s, s:s, s:s, s:f, s:f, s:s, s:[]}", "id",
                                                 l->id, "title", l->title, "status", "error",
                                                 "score", 0.0, "max_score", lm, "message", reason,
                                                 "tests"));
    }
    char *when = iso_time_now();
    json_t *doc = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:I, s:f, s:f, s:o, s:o, s:s, s:s}",
                            "schema_version", SCHEMA_VERSION, "grader_version", GRADER_VERSION,
                            "suite", "full", "submission", s->dir, "student", s->id,
                            "graded_at", when, "seed", (json_int_t)(o->have_seed ? o->seed : 0),
                            "score", 0.0, "max_score", max, "lessons", lessons, "sandbox",
                            sandbox_json(), "submission_hash", s->hash, "grading_error", reason);
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    char *path = student_json_path(o->outdir, s->id);
    char *withnl = xasprintf("%s\n", text ? text : "{}");
    if (write_file_atomic(path, withnl, strlen(withnl)) != 0)
        fprintf(stderr, "grader: cannot write %s\n", path);
    free(withnl);
    free(path);
    free(text);
    free(when);
    json_decref(doc);
}

/* Locks the student, re-checks for a published JSON, forks the grader. */
static enum start_result start_job(const batch_options *o, student *s, job *j)
{
    char *lockpath = xasprintf("%s/.locks/%s.lock", o->outdir, s->id);
    int fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    free(lockpath);
    if (fd < 0)
        return FAILED;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        return e == EWOULDBLOCK ? BUSY : FAILED;
    }
    if (already_graded(o->outdir, s->id, s->hash)) {
        close(fd);
        return SKIPPED;
    }
    char *out = student_json_path(o->outdir, s->id);
    char *logpath = xasprintf("%s/logs/%s.log", o->outdir, s->id);
    char seed[32], lesson_jobs[16];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
    snprintf(lesson_jobs, sizeof lesson_jobs, "%u", o->lesson_jobs ? o->lesson_jobs : 1);
    const char *argv[24 + 2 * 64];
    size_t a = 0;
    argv[a++] = "grader";
    argv[a++] = "grade";
    argv[a++] = "--quiet";
    argv[a++] = "--course";
    argv[a++] = o->c->root;
    argv[a++] = "--student";
    argv[a++] = s->id;
    argv[a++] = "--out";
    argv[a++] = out;
    argv[a++] = "--jobs";
    argv[a++] = lesson_jobs;
    for (size_t i = 0; i < o->nlessons && i < 64; i++) {
        argv[a++] = "--lesson";
        argv[a++] = o->lessons[i];
    }
    if (o->have_seed) {
        argv[a++] = "--seed";
        argv[a++] = seed;
    }
    argv[a++] = s->dir;
    argv[a] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        /* The child says it started, not the parent: a batch killed right
         * after the fork leaves this grading running (its own group) and
         * writing its results, and batch.log must still show it. */
        batch_log(o->outdir, "start %s pid %ld", s->id, (long)getpid());
        int logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
        int devnull = open("/dev/null", O_RDONLY);
        if (logfd < 0 || devnull < 0 || dup2(devnull, 0) < 0 || dup2(logfd, 1) < 0 ||
            dup2(logfd, 2) < 0)
            _exit(127);
        fcntl(fd, F_SETFD, 0); /* the lock lives as long as the grader */
        execv("/proc/self/exe", (char *const *)argv);
        _exit(127);
    }
    free(out);
    free(logpath);
    if (pid < 0) {
        close(fd);
        return FAILED;
    }
    setpgid(pid, pid);
    *j = (job){ s, pid, fd, monotonic_ms(), false };
    return STARTED;
}

static void finish_job(const batch_options *o, job *j, int status, progress *p)
{
    student *s = j->s;
    double secs = (monotonic_ms() - j->started_ms) / 1000.0;
    char *tmp = xasprintf("%s/%s.json.tmp.%ld", o->outdir, s->id, (long)j->pid);
    unlink(tmp);
    free(tmp);
    char *reason = NULL;
    if (!already_graded(o->outdir, s->id, s->hash)) {
        if (j->capped)
            reason = xasprintf("grading took longer than the %u s cap per student", o->cap_s);
        else if (WIFSIGNALED(status))
            reason = xasprintf("the grader was killed by signal %d (see logs/%s.log)",
                               WTERMSIG(status), s->id);
        else
            reason = xasprintf("the grader exited with status %d without results (see "
                               "logs/%s.log)",
                               WIFEXITED(status) ? WEXITSTATUS(status) : -1, s->id);
        batch_write_error_doc(o, s, reason);
    }
    /* What the summary may use: this very file (batch_check.c). */
    char *published = student_json_path(o->outdir, s->id);
    s->results_hash = hash_file(published, 0);
    free(published);
    close(j->lockfd); /* only now: the JSON is in place */
    char *line;
    if (reason) {
        line = xasprintf("%s: FAILED: %s", s->id, reason);
        batch_log(o->outdir, "error %s %s", s->id, reason);
    } else {
        json_t *doc = load_results(o->outdir, s->id);
        line = xasprintf("%s: %g/%g (%.1f s)", s->id,
                         json_number_value(json_object_get(doc, "score")),
                         json_number_value(json_object_get(doc, "max_score")), secs);
        batch_log(o->outdir, "done %s %g", s->id, json_number_value(json_object_get(doc, "score")));
        json_decref(doc);
    }
    p->running--;
    progress_done(p, true, reason != NULL, line);
    free(line);
    free(reason);
    j->pid = 0;
}

/* Kills whatever was re-parented to us and is not one of our graders. */
static void sweep_orphans(const job *jobs, unsigned njobs)
{
    DIR *d = opendir("/proc");
    if (!d)
        return;
    pid_t self = getpid(), mygroup = getpgrp();
    struct dirent *de;
    while ((de = readdir(d))) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        char path[64], buf[512];
        snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n <= 0)
            continue;
        buf[n] = '\0';
        char *rp = strrchr(buf, ')');
        long ppid = 0, pgrp = 0;
        char state;
        if (!rp || sscanf(rp + 1, " %c %ld %ld", &state, &ppid, &pgrp) != 3 || ppid != self)
            continue;
        bool ours = false;
        for (unsigned i = 0; i < njobs; i++)
            ours |= jobs[i].pid == (pid_t)pid || jobs[i].pid == (pid_t)pgrp;
        if (ours)
            continue;
        if (pgrp > 1 && pgrp != mygroup)
            kill(-(pid_t)pgrp, SIGKILL);
        kill((pid_t)pid, SIGKILL);
    }
    closedir(d);
}

static void reap(const batch_options *o, job *jobs, progress *p)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
        for (unsigned i = 0; i < o->jobs; i++)
            if (jobs[i].pid == pid)
                finish_job(o, &jobs[i], status, p);
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

int batch_run(const batch_options *o, student *students, size_t n)
{
    struct sigaction sa = { .sa_handler = on_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    prctl(PR_SET_CHILD_SUBREAPER, 1);

    job *jobs = xcalloc(o->jobs, sizeof *jobs);
    double *retry_at = xcalloc(n ? n : 1, sizeof *retry_at); /* >0: waiting on a lock */
    bool *settled = xcalloc(n ? n : 1, sizeof *settled);
    progress p;
    progress_init(&p, n);
    batch_log(o->outdir, "batch start: %zu students, %u jobs", n, o->jobs);
    size_t left = n;
    double swept = 0;
    while (!stop_signal) {
        for (size_t i = 0; i < n && p.running < o->jobs && !stop_signal; i++) {
            if (settled[i] || retry_at[i] > monotonic_ms())
                continue;
            unsigned slot = 0;
            while (jobs[slot].pid)
                slot++;
            bool running = false;
            for (unsigned k = 0; k < o->jobs; k++)
                running |= jobs[k].pid && jobs[k].s == &students[i];
            if (running)
                continue;
            enum start_result r = start_job(o, &students[i], &jobs[slot]);
            if (r == BUSY) {
                if (retry_at[i] == 0)
                    batch_log(o->outdir, "wait %s (another grader holds its lock)", students[i].id);
                retry_at[i] = monotonic_ms() + 1000;
                continue;
            }
            settled[i] = true;
            left--;
            if (r == STARTED) {
                p.running++; /* its child logged "start" */
            } else if (r == SKIPPED) {
                char *line = xasprintf("%s: already graded", students[i].id);
                batch_log(o->outdir, "skip %s", students[i].id);
                progress_done(&p, false, false, line);
                free(line);
            } else {
                char *line = xasprintf("%s: FAILED: cannot start its grading", students[i].id);
                batch_log(o->outdir, "error %s cannot start", students[i].id);
                progress_done(&p, false, true, line);
                free(line);
            }
        }
        reap(o, jobs, &p);
        if (left == 0 && p.running == 0)
            break;
        double now = monotonic_ms();
        for (unsigned k = 0; k < o->jobs; k++) {
            if (jobs[k].pid && !jobs[k].capped && now - jobs[k].started_ms > o->cap_s * 1000.0) {
                jobs[k].capped = true;
                kill(-jobs[k].pid, SIGKILL);
                kill(jobs[k].pid, SIGKILL);
            }
        }
        if (now - swept > 500) {
            sweep_orphans(jobs, o->jobs);
            swept = now;
        }
        progress_tick(&p);
        sleep_ms(50);
    }
    int rc = 0;
    if (stop_signal) {
        /* Interrupted: stop every grading; their students stay ungraded. */
        for (unsigned k = 0; k < o->jobs; k++) {
            if (!jobs[k].pid)
                continue;
            kill(-jobs[k].pid, SIGKILL);
            kill(jobs[k].pid, SIGKILL);
            int status;
            waitpid(jobs[k].pid, &status, 0);
            /* A grading that published its JSON just before the kill did
             * finish: count it as done, or a resumed batch, which skips it,
             * would leave it counted as never graded. */
            if (already_graded(o->outdir, jobs[k].s->id, jobs[k].s->hash)) {
                finish_job(o, &jobs[k], status, &p);
                continue;
            }
            char *tmp = xasprintf("%s/%s.json.tmp.%ld", o->outdir, jobs[k].s->id, (long)jobs[k].pid);
            unlink(tmp);
            free(tmp);
            close(jobs[k].lockfd);
            batch_log(o->outdir, "killed %s", jobs[k].s->id);
            jobs[k].pid = 0;
        }
        sweep_orphans(jobs, o->jobs);
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
        batch_log(o->outdir, "interrupted by signal %d", (int)stop_signal);
        rc = 128 + stop_signal;
    } else {
        batch_check_results(o, students, n);
        batch_log(o->outdir, "batch end");
    }
    progress_end(&p);
    if (stop_signal)
        fprintf(stderr, "grader: interrupted; run the same command again to resume\n");
    free(settled);
    free(retry_at);
    free(jobs);
    return rc;
}
