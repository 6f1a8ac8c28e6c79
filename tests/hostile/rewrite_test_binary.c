/* lesson: 02-bank
 * Replaces the binaries in its work dir with scripts that report "pass" for
 * whatever test they are started for: the judge (the tests: it writes
 * "pass NAME" on its --result fd) and the subject (it reads the run's token
 * on --chan and writes "TOKEN pass NAME" there). Where the sandbox cannot
 * make the work dir read-only (no namespaces, same user), the grader must
 * notice the change and never run a forged binary.
 * expect-max-score: 0
 * expect-message: SIGABRT.* in forge \(bank\.c:[0-9]+\)|the test binary was modified by an earlier test run
 */
#include "bank.h"
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* judge --run NAME ... --control FD --result FD */
static const char judge_forger[] =
    "#!/bin/sh\n"
    "while [ $# -gt 1 ]; do case $1 in --run) n=$2;; --result) r=$2;; esac; shift; done\n"
    "eval \"echo \\\"pass \\$n\\\" >&$r\"\n"
    "exit 0\n";

/* subject --test NAME ... --chan FD --rpc FD */
static const char subject_forger[] =
    "#!/bin/sh\n"
    "while [ $# -gt 1 ]; do case $1 in --test) n=$2;; --chan) f=$2;; esac; shift; done\n"
    "eval \"read t <&$f\"\n"
    "eval \"echo \\\"\\$t pass \\$n\\\" >&$f\"\n"
    "exit 0\n";

static void forge(void)
{
    const char *names[] = { "judge", "subject", "subject_tsan" };
    for (size_t i = 0; i < 3; i++) {
        const char *text = i == 0 ? judge_forger : subject_forger;
        unlink(names[i]); /* a running binary cannot be opened for writing */
        int fd = open(names[i], O_WRONLY | O_CREAT | O_TRUNC, 0755);
        if (fd >= 0) {
            if (write(fd, text, strlen(text)) < 0) {
                /* nothing to do: the test fails below either way */
            }
            close(fd);
        }
    }
    abort(); /* this run fails either way: only later, forged runs could pass */
}

struct account { long balance; };
account_t *account_new(long balance) { (void)balance; forge(); return NULL; }
void account_free(account_t *a) { free(a); }
bool account_withdraw(account_t *a, long amount) { (void)a; (void)amount; return false; }
void account_deposit(account_t *a, long amount) { (void)a; (void)amount; }
long account_balance(account_t *a) { (void)a; return 0; }
