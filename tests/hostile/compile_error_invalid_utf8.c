/* lesson: 02-bank
 * expect-status: compile_error
 * expect-message: \ufffd\ufffd\.c:[0-9]+:[0-9]+: error:
 * (a `#line` whose file name is not UTF-8 (bytes FF FE), then a syntax
 * error: the compiler's message starts with those bytes. Jansson refuses
 * invalid UTF-8, so the whole compiler message vanished from the JSON and
 * the student saw no reason; now the bytes become U+FFFD. The honest twin
 * does not compile either: 0)
 */
#include "bank.h"

#line 1 "\xff\xfe.c"
int this is not C;
