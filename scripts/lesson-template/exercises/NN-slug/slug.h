/* @slug@.h - lesson @num@: a counter shared by threads (the example lesson of
 * scripts/new-lesson.sh: replace it with the lesson's API, as
 * shared/CURRICULUM.md gives it).
 *
 * The grader reads the lesson's API from this header: the functions declared
 * here are the only globals a student's file may define.
 *
 * Every function may be called from many threads at once on the same counter.
 */
#ifndef @SLUG@_H
#define @SLUG@_H

typedef struct @slug@ @slug@_t;

/* A new counter at 0. Returns NULL if out of memory. */
@slug@_t *@slug@_new(void);

/* Frees the counter. No other thread may use it any more. */
void @slug@_free(@slug@_t *c);

/* Adds n (which may be negative) to the total. */
void @slug@_add(@slug@_t *c, long n);

/* The current total. */
long @slug@_total(@slug@_t *c);

#endif
