/* lesson: 02-bank
 * expect-status: compile_error
 * expect-message: error
 */
#include "bank.h"
account_t *account_new(long balance) { return balance }
