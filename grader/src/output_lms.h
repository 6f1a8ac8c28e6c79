/* output_lms.h - the LMS views of a native results document: Gradescope's
 * and PrairieLearn's results.json. Both are computed from the native
 * document alone, so `grader convert` can redo them later. */
#ifndef OUTPUT_LMS_H
#define OUTPUT_LMS_H

#include <jansson.h>

/* New references; never NULL. */
json_t *to_gradescope(json_t *native);
json_t *to_prairielearn(json_t *native);

#endif
