/* cmd_batch.c - `grader batch [options] SUBMISSIONS_DIR`: grades a class.
 * Every subdirectory is one student's submission, named by the student's id.
 * This file reads the options and the class list (safe names only, this
 * shard's share); batch_run.c grades, batch_finish() writes the class files. */
#include "batch.h"
#include "commands.h"
#include "output.h"
#include "safetext.h"
#include "subhash.h"
#include "summary.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int usage(FILE *f)
{
    fprintf(f,
            "usage: grader batch [options] SUBMISSIONS_DIR\n"
            "  --jobs N          gradings at once (default: the number of cores)\n"
            "  --lesson-jobs N   lessons at once within a grading (default: 1; the\n"
            "                    students already fill the cores)\n"
            "  --out DIR         results directory (default: grades)\n"
            "  --shard I/N       grade only shard I of N (0 <= I < N; by a hash of the id)\n"
            "  --format F        also write DIR/F/<id>.json: gradescope or prairielearn\n"
            "  --summary-only    grade nothing; rebuild the summary from DIR's JSONs\n"
            "  --lesson SLUG     grade only this lesson (repeatable)\n"
            "  --seed N          the same schedule seed for everyone (default: random each)\n"
            "  --timeout SEC     wall-clock cap per student (default: 900)\n"
            "  --course DIR      the course root (default: above the grader binary)\n"
            "Writes DIR/<id>.json per student, then summary.csv, summary.json,\n"
            "scores.ndjson and report.html. Killed, it resumes where it stopped.\n");
    return f == stdout ? 0 : 2;
}

/* FNV-1a of the id, so a student's shard never changes. */
static unsigned shard_of(const char *id, unsigned n)
{
    return (unsigned)(hash_bytes(id, strlen(id), 0) % n);
}

static int cmp_student(const void *a, const void *b)
{
    return strcmp(((const student *)a)->id, ((const student *)b)->id);
}

/* The students of this shard, sorted by id. Returns the count or -1. */
static long list_students(const char *dir, const course *c, const char **lessons, size_t nlessons,
                          unsigned shard, unsigned nshards, const char *outdir, student **out)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct stat ost; /* the results directory may sit among the submissions */
    bool have_out = stat(outdir, &ost) == 0;
    size_t n = 0, cap = 64;
    student *v = xcalloc(cap, sizeof *v);
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *name = de->d_name;
        if (name[0] == '.')
            continue;
        char *path = xasprintf("%s/%s", dir, name);
        struct stat st;
        if (lstat(path, &st) != 0 ||
            (have_out && st.st_dev == ost.st_dev && st.st_ino == ost.st_ino)) {
            free(path);
            continue;
        }
        bool isdir = S_ISDIR(st.st_mode);
        if (!isdir || !student_id_ok(name)) {
            if (isdir || !S_ISREG(st.st_mode)) {
                /* The name is the submitter's: escaped for the terminal. */
                char *shown = text_terminal_safe(name, 300, true);
                fprintf(stderr, "grader: skipping '%s': %s\n", shown,
                        isdir ? "not a safe student id" : "not a directory");
                free(shown);
            }
            free(path);
            continue;
        }
        if (shard_of(name, nshards) != shard) {
            free(path);
            continue;
        }
        if (n == cap)
            v = realloc(v, (cap *= 2) * sizeof *v);
        if (!v)
            abort();
        v[n++] = (student){ xstrdup(name), path, submission_hash(c, path, lessons, nlessons), 0 };
    }
    closedir(d);
    qsort(v, n, sizeof *v, cmp_student);
    *out = v;
    return (long)n;
}

static int make_dir(const char *path)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "grader: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

int cmd_batch(int argc, char **argv)
{
    static const struct option opts[] = {
        { "jobs", required_argument, 0, 'j' },   { "out", required_argument, 0, 'o' },
        { "shard", required_argument, 0, 'S' },  { "format", required_argument, 0, 'f' },
        { "summary-only", no_argument, 0, 'm' }, { "lesson", required_argument, 0, 'l' },
        { "seed", required_argument, 0, 's' },   { "timeout", required_argument, 0, 't' },
        { "course", required_argument, 0, 'c' }, { "help", no_argument, 0, 'h' },
        { "lesson-jobs", required_argument, 0, 'J' },
        { 0, 0, 0, 0 }
    };
    const char *lessons[64];
    size_t nlessons = 0;
    const char *outdir = "grades", *format = "native", *root_opt = NULL;
    long jobs = sysconf(_SC_NPROCESSORS_ONLN), lesson_jobs = 1;
    unsigned shard = 0, nshards = 1, cap_s = 900;
    bool summary_only = false, have_seed = false;
    uint64_t seed = 0;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'j': jobs = strtol(optarg, NULL, 10); break;
        case 'J': lesson_jobs = strtol(optarg, NULL, 10); break;
        case 'o': outdir = optarg; break;
        case 'S':
            if (sscanf(optarg, "%u/%u", &shard, &nshards) != 2 || nshards == 0 || shard >= nshards) {
                fprintf(stderr, "grader: --shard wants I/N with 0 <= I < N\n");
                return 2;
            }
            break;
        case 'f': format = optarg; break;
        case 'm': summary_only = true; break;
        case 'l':
            if (nlessons < 64)
                lessons[nlessons++] = optarg;
            break;
        case 's': seed = strtoull(optarg, NULL, 10); have_seed = true; break;
        case 't': cap_s = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'c': root_opt = optarg; break;
        case 'h': return usage(stdout);
        default: return usage(stderr);
        }
    }
    if (optind != argc - (summary_only ? 0 : 1) && optind != argc - 1)
        return usage(stderr);
    if (jobs < 1 || jobs > 256 || lesson_jobs < 1 || lesson_jobs > 256 || cap_s == 0) {
        fprintf(stderr, "grader: --jobs and --lesson-jobs must be 1..256 and --timeout "
                        "positive\n");
        return 2;
    }
    if (!output_format_known(format)) {
        fprintf(stderr, "grader: unknown format '%s'\n", format);
        return 2;
    }
    if (make_dir(outdir) != 0)
        return 1;
    if (summary_only)
        return batch_finish(&outdir, 1, outdir, format) == 0 ? 0 : 1;

    const char *subs = argv[optind];
    if (!is_dir(subs)) {
        fprintf(stderr, "grader: %s is not a directory\n", subs);
        return 2;
    }
    course c;
    int rc = course_open(&c, root_opt, lessons, nlessons);
    if (rc != 0)
        return rc;
    char *locks = xasprintf("%s/.locks", outdir), *logs = xasprintf("%s/logs", outdir);
    student *students = NULL;
    long n = -1;
    if (make_dir(locks) == 0 && make_dir(logs) == 0)
        n = list_students(subs, &c, lessons, nlessons, shard, nshards, outdir, &students);
    free(locks);
    free(logs);
    if (n < 0) {
        fprintf(stderr, "grader: cannot read %s\n", subs);
        course_free(&c);
        return 1;
    }
    fprintf(stderr, "grader: %ld students%s, %ld at once, results in %s\n", n,
            nshards > 1 ? " in this shard" : "", jobs, outdir);
    batch_options bo = { &c,    outdir,    lessons, nlessons, (unsigned)jobs, (unsigned)lesson_jobs,
                         cap_s, have_seed, seed };
    rc = batch_run(&bo, students, (size_t)n);
    if (rc == 0)
        rc = batch_finish(&outdir, 1, outdir, format) == 0 ? 0 : 1;
    if (rc == 0)
        fprintf(stderr, "grader: class report: %s/report.html\n", outdir);
    for (long i = 0; i < n; i++) {
        free(students[i].id);
        free(students[i].dir);
        free(students[i].hash);
    }
    free(students);
    course_free(&c);
    return rc;
}
