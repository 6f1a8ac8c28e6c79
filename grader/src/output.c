/* output.c - see output.h. The native format is the grader's own; the LMS
 * formats are views of it. */
#include "output.h"
#include "output_lms.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool output_format_known(const char *format)
{
    return strcmp(format, "native") == 0 || strcmp(format, "gradescope") == 0 ||
           strcmp(format, "prairielearn") == 0;
}

int output_write(json_t *native, const char *format, const char *path)
{
    if (!output_format_known(format))
        return -1;
    json_t *doc = strcmp(format, "gradescope") == 0     ? to_gradescope(native)
                  : strcmp(format, "prairielearn") == 0 ? to_prairielearn(native)
                                                        : json_incref(native);
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
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
