/* score.c - see score.h. */
#include "score.h"

#include <math.h>

double score_round(double x)
{
    return round(x * 100.0) / 100.0;
}

double score_lesson_max(const lesson *l)
{
    double m = 0;
    for (int c = 0; c < NCAT; c++)
        m += l->points[c];
    return m;
}

void score_shares(const lesson *l, const int *categories, size_t n, double *shares)
{
    size_t per_cat[NCAT] = { 0 }, seen[NCAT] = { 0 };
    for (size_t i = 0; i < n; i++)
        per_cat[categories[i]]++;
    /* In whole hundredths, the category's remainder to its first tests: the
     * shares as shown (0.01 apart at most) add up to its points exactly, so
     * a lesson's score is the sum of its tests' scores as the JSON and the
     * LMS show them (4 points over 7 tests: 0.58 three times, 0.57 four). */
    for (size_t i = 0; i < n; i++) {
        int c = categories[i];
        long long cents = llround(l->points[c] * 100.0), k = (long long)per_cat[c];
        long long mine = cents / k + ((long long)seen[c]++ < cents % k ? 1 : 0);
        shares[i] = (double)mine / 100.0;
    }
}

double score_total(const double *shares, const bool *passed, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        if (passed[i])
            s += shares[i];
    return score_round(s);
}
