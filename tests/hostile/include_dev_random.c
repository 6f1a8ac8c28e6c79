/* lesson: 02-bank
 * The compiler reads an endless device: stopped, and no bytes of it are shown.
 * expect-status: compile_error
 * expect-message: out of memory
 */
#include </dev/random>
