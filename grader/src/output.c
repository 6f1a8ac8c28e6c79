/* output.c - see output.h. The native format is the grader's own; the LMS
 * formats are views of it. */
#include "output.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool output_format_known(const char *format)
{
    return strcmp(format, "native") == 0;
}

int output_write(json_t *native, const char *format, const char *path)
{
    if (!output_format_known(format))
        return -1;
    char *text = json_dumps(native, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!text)
        return -1;
    int rc = 0;
    if (!path || strcmp(path, "-") == 0) {
        rc = (fputs(text, stdout) < 0 || fputc('\n', stdout) == EOF) ? -1 : 0;
    } else {
        char *withnl = xasprintf("%s\n", text);
        rc = write_file_atomic(path, withnl, strlen(withnl));
        free(withnl);
    }
    free(text);
    return rc;
}
