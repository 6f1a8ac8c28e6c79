/* score.h - a lesson's score: the points lesson.json sets per category are
 * shared equally by that category's tests, and a test earns its share only
 * when it passed. Pure arithmetic, unit-tested in tests/unit/.
 */
#ifndef SCORE_H
#define SCORE_H

#include <stdbool.h>
#include <stddef.h>

#include "course.h"

/* Rounded to hundredths, as every score in the JSON is. */
double score_round(double x);

/* The lesson's maximum: the sum of its categories' points. */
double score_lesson_max(const lesson *l);

/* shares[i] = the points of categories[i] divided by the number of tests in
 * that category (categories are enum category values), in hundredths that
 * add up to the category's points exactly. */
void score_shares(const lesson *l, const int *categories, size_t n, double *shares);

/* The sum of the shares of the tests that passed, rounded. */
double score_total(const double *shares, const bool *passed, size_t n);

#endif
