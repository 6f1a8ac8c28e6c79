/* lesson: 02-bank
 * Includes the reference solution: not visible to the compiler. The suite
 * writes this checkout's path for @COURSE_ROOT@, and the compiler's own
 * error, naming that path, proves it went looking.
 * attack-target: @COURSE_ROOT@/solutions/02-bank/bank.c
 * expect-status: compile_error
 * expect-message: @COURSE_ROOT@/solutions/02-bank/bank\.c: No such file or directory
 * expect-not-message: pthread_mutex_lock
 * host-check: account_free(account_new(1))
 */
#include "@COURSE_ROOT@/solutions/02-bank/bank.c"
