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
    size_t per_cat[NCAT] = { 0 };
    for (size_t i = 0; i < n; i++)
        per_cat[categories[i]]++;
    for (size_t i = 0; i < n; i++)
        shares[i] = l->points[categories[i]] / (double)per_cat[categories[i]];
}

double score_total(const double *shares, const bool *passed, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        if (passed[i])
            s += shares[i];
    return score_round(s);
}
