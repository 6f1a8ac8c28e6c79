/* scratchwatch.c - the size bound of a run's scratch directory.
 *
 * The scratch dir (ThreadSanitizer's logs) is a host directory at every
 * isolation level (namespaces bind it in), so its files land on the host's
 * disk. RLIMIT_FSIZE bounds one file, RLIMIT_NOFILE the files open at once;
 * nothing bounded how many files (or how deep a tree) a run leaves there.
 * The waiting parent measures it a few times a second, stopping early once
 * over the bound (so a huge tree costs us a bounded walk), and the run is
 * killed at the limit. A burst between two polls is bounded by the speed
 * of the disk for one poll interval, and cleanup handles any depth
 * (remove_tree).
 */
#define _XOPEN_SOURCE 700
#include "internal.h"

#include <ftw.h>
#include <sys/stat.h>

/* nftw's callback has no argument: the walk's state, one per thread. */
static _Thread_local struct {
    size_t bytes, entries, max_bytes, max_entries;
} walk;

static int count(const char *path, const struct stat *st, int type, struct FTW *f)
{
    (void)path;
    (void)type;
    (void)f;
    walk.entries++;
    walk.bytes += (size_t)st->st_blocks * 512;
    /* Over either bound: stop walking (a deep or wide tree costs no more). */
    return walk.bytes > walk.max_bytes || walk.entries > walk.max_entries;
}

bool sbx_dir_over(const char *dir, size_t max_bytes, size_t max_entries)
{
    walk.bytes = walk.entries = 0;
    walk.max_bytes = max_bytes;
    walk.max_entries = max_entries;
    return nftw(dir, count, 8, FTW_PHYS | FTW_MOUNT) == 1;
}
