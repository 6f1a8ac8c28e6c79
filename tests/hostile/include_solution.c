/* lesson: 02-bank
 * Includes the reference solution: not visible to the compiler.
 * expect-status: compile_error
 * expect-not-message: pthread_mutex_lock
 */
#include "/work/main/solutions/02-bank/bank.c"
