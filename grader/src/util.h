/* util.h - small helpers shared by the grader's modules: formatted strings,
 * files read and copied without following links, temp dirs, hashing, time.
 */
#ifndef UTIL_H
#define UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* malloc'd printf; aborts on out-of-memory (the grader cannot go on). */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
char *xstrdup(const char *s);

/* Reads a whole regular file (not through a symlink) of at most `max` bytes.
 * Returns a NUL-terminated buffer, or NULL (errno: EFBIG when too large). */
char *read_file(const char *path, size_t max, size_t *len);

/* Copies a regular file that a submission controls into our own directory:
 * refuses links and anything that is not a regular file, caps the size. */
int copy_untrusted(const char *src, const char *dst, size_t max);

/* Writes `len` bytes to `path` through a temp file and rename (atomic). */
int write_file_atomic(const char *path, const void *data, size_t len);

/* mkdtemp under $TMPDIR (or /tmp) with the given prefix; malloc'd path. */
char *make_temp_dir(const char *prefix);

/* Removes a directory tree without following any symlink inside it. */
int remove_tree(const char *path);

/* 64-bit FNV-1a, chainable: pass the previous hash as `h` (start: 0). */
uint64_t hash_bytes(const void *data, size_t len, uint64_t h);
uint64_t hash_file(const char *path, uint64_t h);

double monotonic_ms(void);

/* The current UTC time as "2026-11-21T19:41:46Z", malloc'd. */
char *iso_time_now(void);

/* Absolute path of a program found in PATH, malloc'd; NULL if not found. */
char *find_in_path(const char *prog);

bool is_dir(const char *path);
bool is_file(const char *path);

/* A fresh random 64-bit value from the kernel. */
uint64_t random_u64(void);

/* Trims `text` to at most `max_lines` lines and `max_bytes` bytes, adding a
 * note of what was cut. Returns malloc'd text. */
char *trim_text(const char *text, size_t max_lines, size_t max_bytes);

/* The line of compiler output a student should read first: the first line
 * containing "error:", else the start of `msg`. Points into `msg`. */
const char *first_error_line(const char *msg);

#endif
