/* lesson: 02-bank
 * A 3 GiB initialised array: the object file would be 3 GiB (file size limit).
 * expect-status: compile_error
 * expect-message: File size limit exceeded
 */
#include "bank.h"
__attribute__((used)) static const char big[3ul << 30] = { 1 };
