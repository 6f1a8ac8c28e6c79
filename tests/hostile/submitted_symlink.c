/* lesson: 02-bank
 * The submitted bank.c is a symbolic link to /etc/shadow (the suite makes it one).
 * setup-symlink: /etc/shadow
 * The grader does not follow it: for the grader, nothing was submitted.
 * expect-status: missing
 * expect-not-message: root:
 * attack-target: /etc/shadow
 * expect-message: no file submitted for this lesson
 */
