/* output.h - write a results document in one of the LMS formats. */
#ifndef OUTPUT_H
#define OUTPUT_H

#include <jansson.h>
#include <stdbool.h>

bool output_format_known(const char *format);

/* Converts the native document to `format` and writes it to `path` (atomic
 * rename) or stdout (path NULL or "-"). Returns 0 or -1. */
int output_write(json_t *native, const char *format, const char *path);

#endif
