/* util.c - see util.h. */
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void out_of_memory(void)
{
    fputs("grader: out of memory\n", stderr);
    exit(1);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        out_of_memory();
    return p;
}

char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        out_of_memory();
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        out_of_memory();
    return s;
}

char *read_file(const char *path, size_t max, size_t *len)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        errno = EINVAL;
        return NULL;
    }
    if ((size_t)st.st_size > max) {
        close(fd);
        errno = EFBIG;
        return NULL;
    }
    char *buf = xmalloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    if (len)
        *len = got;
    return buf;
}

int copy_untrusted(const char *src, const char *dst, size_t max)
{
    size_t len;
    char *data = read_file(src, max, &len);
    if (!data)
        return -1;
    int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        free(data);
        return -1;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    free(data);
    return close(fd) == 0 && off == len ? 0 : -1;
}

/* Writes everything to an open fd; 0 or -1. */
static int write_all(int fd, const char *p, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, p + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        off += (size_t)n;
    }
    return 0;
}

int write_file_atomic(const char *path, const void *data, size_t len)
{
    /* A device or a pipe (--out /dev/null, /dev/stdout, a FIFO) is written
     * to, never renamed over: that would replace /dev/null with a file. */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
            return -1;
        int rc = write_all(fd, data, len);
        if (close(fd) != 0)
            rc = -1;
        return rc;
    }
    char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        free(tmp);
        return -1;
    }
    int rc = (write_all(fd, data, len) == 0 && fsync(fd) == 0) ? 0 : -1;
    if (close(fd) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

char *make_temp_dir(const char *prefix)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    char *path = xasprintf("%s/%s-XXXXXX", base, prefix);
    if (!mkdtemp(path)) {
        free(path);
        return NULL;
    }
    return path;
}

/* remove_tree walks down and back up with one open directory at a time, so
 * it reaches the bottom of a tree of any depth (a submission may leave a
 * 100000-deep one in its scratch dir) with neither recursion nor an fd per
 * level. Going down it opens a child without following links; going up it
 * opens "..", which is never a link, and finds the child it leaves by its
 * inode. Nothing else writes the tree by then (its writers were killed). */

/* Opens the directory `name` in `dfd` without following a link; a directory
 * we may not read (mode 0) is made ours to read first. -1 when `name` is not
 * a directory. */
static int open_subdir(int dfd, const char *name)
{
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == EACCES) {
        struct stat st;
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
            fchmodat(dfd, name, 0700, 0) == 0)
            fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd >= 0)
        fchmod(fd, 0700);
    return fd;
}

/* Unlinks every non-directory in `dfd`. Returns an fd of the first
 * subdirectory (opened), -1 when none is left, -2 on an error that leaves
 * the directory not removable (*rc set). */
static int clear_files(int dfd, int *rc)
{
    int scan = dup(dfd);
    DIR *d = scan >= 0 ? fdopendir(scan) : NULL;
    if (!d) {
        if (scan >= 0)
            close(scan);
        *rc = -1;
        return -2;
    }
    rewinddir(d); /* a dup shares the offset an earlier scan left */
    int sub = -1;
    struct dirent *e;
    while (sub == -1 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (unlinkat(dfd, e->d_name, 0) == 0)
            continue;
        if (errno != EISDIR && errno != EPERM) {
            *rc = -1;
            continue;
        }
        sub = open_subdir(dfd, e->d_name);
        if (sub < 0) {
            *rc = -1;
            sub = -2;
        }
    }
    closedir(d);
    return sub;
}

/* The name under which `parent` holds the directory with inode `ino`. */
static bool name_of_child(int parent, ino_t ino, char *name, size_t size)
{
    int scan = dup(parent);
    DIR *d = scan >= 0 ? fdopendir(scan) : NULL;
    if (!d) {
        if (scan >= 0)
            close(scan);
        return false;
    }
    rewinddir(d);
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d)) != NULL)
        if (e->d_ino == ino && strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            snprintf(name, size, "%s", e->d_name);
            found = true;
        }
    closedir(d);
    return found;
}

int remove_tree(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    int rc = 0;
    size_t depth = 0;
    for (;;) {
        int sub = clear_files(fd, &rc);
        if (sub >= 0) { /* down */
            close(fd);
            fd = sub;
            depth++;
            continue;
        }
        if (sub == -2 || depth == 0)
            break; /* an error below stops the walk; or the top is empty */
        /* This directory is empty: up, and remove it from its parent. */
        struct stat st;
        int parent = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        char name[NAME_MAX + 1];
        if (parent < 0 || fstat(fd, &st) != 0 ||
            !name_of_child(parent, st.st_ino, name, sizeof name) ||
            unlinkat(parent, name, AT_REMOVEDIR) != 0) {
            if (parent >= 0)
                close(parent);
            rc = -1;
            break;
        }
        close(fd);
        fd = parent;
        depth--;
    }
    close(fd);
    if (rmdir(path) != 0)
        rc = -1;
    return rc;
}

uint64_t hash_bytes(const void *data, size_t len, uint64_t h)
{
    const unsigned char *p = data;
    if (h == 0)
        h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

uint64_t hash_file(const char *path, uint64_t h)
{
    size_t len = 0;
    char *data = read_file(path, 64u << 20, &len);
    if (!data)
        return hash_bytes(path, strlen(path), h);
    h = hash_bytes(data, len, h);
    free(data);
    return h;
}

double monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

char *find_in_path(const char *prog)
{
    if (strchr(prog, '/'))
        return access(prog, X_OK) == 0 ? xstrdup(prog) : NULL;
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/bin:/bin";
    char *copy = xstrdup(path), *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        char *full = xasprintf("%s/%s", dir, prog);
        if (access(full, X_OK) == 0) {
            free(copy);
            return full;
        }
        free(full);
    }
    free(copy);
    return NULL;
}

bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_file(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

uint64_t random_u64(void)
{
    uint64_t v = 0;
    if (getrandom(&v, sizeof v, 0) != sizeof v)
        v = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    return v;
}

char *trim_text(const char *text, size_t max_lines, size_t max_bytes)
{
    size_t lines = 0, i = 0, total_lines = 0;
    for (const char *p = text; *p; p++)
        if (*p == '\n')
            total_lines++;
    while (text[i] && i < max_bytes && lines < max_lines) {
        if (text[i] == '\n')
            lines++;
        i++;
    }
    if (!text[i])
        return xstrdup(text);
    /* Never in the middle of a UTF-8 character: the JSON would refuse it. */
    while (i > 0 && ((unsigned char)text[i] & 0xC0) == 0x80)
        i--;
    return xasprintf("%.*s[... %zu more lines cut]\n", (int)i, text,
                     total_lines > lines ? total_lines - lines : 0);
}

const char *first_error_line(const char *msg)
{
    const char *err = strstr(msg, "error:");
    if (!err)
        return msg;
    while (err > msg && err[-1] != '\n')
        err--;
    return err;
}

char *iso_time_now(void)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[32];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return xstrdup(buf);
}
