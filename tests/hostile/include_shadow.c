/* lesson: 02-bank
 * The compiler is asked for /etc/shadow: not visible in its sandbox.
 * expect-status: compile_error
 * expect-not-message: root:
 * expect-not-message: daemon:
 * attack-target: /etc/shadow
 * expect-message: /etc/shadow: (No such file or directory|Permission denied)
 */
#include "/etc/shadow"
