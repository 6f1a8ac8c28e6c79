/* lesson: 02-bank
 * Includes itself twice per level: 2^200 inclusions unless something stops it.
 * expect-status: compile_error
 * expect-message: (from bank\.c:[0-9]+,\s+){8}
 */
#include __FILE__
#include __FILE__
