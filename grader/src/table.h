/* table.h - the student's view of a results document: one line per lesson
 * with its score and first failure, then the details of every failing test
 * when one lesson was graded. */
#ifndef TABLE_H
#define TABLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

void print_table(FILE *f, json_t *results, bool details);

#endif
