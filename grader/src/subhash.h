/* subhash.h - a fingerprint of what a student submitted, stored in the JSON
 * as "submission_hash" so that `grader batch` can tell, after a restart,
 * whether a results file still matches the files on disk. */
#ifndef SUBHASH_H
#define SUBHASH_H

#include "course.h"

/* Hash of the lesson files `grader grade` would read from `dir` for the
 * selected lessons (ids or slugs; none = all), in course order. The
 * directory's own path is not part of it. Returns "fnv1a64:<16 hex>",
 * malloc'd. */
char *submission_hash(const course *c, const char *dir, const char **lessons, size_t nlessons);

#endif
