/* proc_children.c - the unit test of grader/harness/intercept_proc.c (the
 * student's fork: injected failures; the look at this process's children).
 * Built with that file alone and run by tests/suites/45-engine.sh; exit
 * status 0 when every check holds, else 1 with the failed check on stderr.
 *
 * Checks: forks succeed until remote_fail_fork's k-th, which fails with its
 * errno, and so do later ones until it is disarmed; vfork is a fork; the
 * look counts running children and zombies and reaps none (a zombie is
 * still there for waitpid after it); reap ends and reaps them all.
 */
#include "remote.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

pid_t grader_fork(void);
pid_t grader_vfork(void);

static int failures;
#define CHECK(ok, ...)                                                                   \
    do {                                                                                 \
        if (!(ok)) {                                                                     \
            fprintf(stderr, "proc_children.c:%d: ", __LINE__);                           \
            fprintf(stderr, __VA_ARGS__);                                                \
            fputc('\n', stderr);                                                         \
            failures++;                                                                  \
        }                                                                                \
    } while (0)

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Waits (up to 2 s) until the look sees `zombies` zombies. */
static remote_children look_for(uint32_t zombies)
{
    remote_children c = remote_children_look();
    for (int i = 0; i < 2000 && c.zombies != zombies; i++) {
        sleep_ms(1);
        c = remote_children_look();
    }
    return c;
}

int main(void)
{
    remote_children c = remote_children_look();
    CHECK(c.children == 0 && c.zombies == 0, "a fresh process has %u children", c.children);

    /* Two children that exit at once, one that sleeps: 3 children, 2 zombies. */
    pid_t quick[2], slow;
    for (int i = 0; i < 2; i++)
        if ((quick[i] = grader_fork()) == 0)
            _exit(7 + i);
    if ((slow = grader_vfork()) == 0) {
        sleep_ms(5000);
        _exit(0);
    }
    CHECK(quick[0] > 0 && quick[1] > 0 && slow > 0, "fork failed: %s", strerror(errno));
    c = look_for(2);
    CHECK(c.children == 3 && c.zombies == 2, "look: %u children, %u zombies; expected 3, 2",
          c.children, c.zombies);
    /* The look reaped nothing: the zombie's status is still there. */
    int st = 0;
    CHECK(waitpid(quick[0], &st, WNOHANG) == quick[0] && WIFEXITED(st) && WEXITSTATUS(st) == 7,
          "the look reaped a zombie (or its status changed)");
    c = remote_children_look();
    CHECK(c.children == 2 && c.zombies == 1, "after one waitpid: %u children, %u zombies",
          c.children, c.zombies);
    CHECK(remote_children_reap() == 2, "reap did not reap the 2 children left");
    c = remote_children_look();
    CHECK(c.children == 0, "after reap: %u children", c.children);

    /* The 3rd fork from now fails with EAGAIN, and so does the 4th. */
    remote_fail_fork(2, EAGAIN);
    pid_t p[4];
    int errs[4];
    for (int i = 0; i < 4; i++) {
        errno = 0;
        if ((p[i] = grader_fork()) == 0)
            _exit(0);
        errs[i] = errno;
    }
    CHECK(p[0] > 0 && p[1] > 0, "the forks before the failing one failed");
    CHECK(p[2] == -1 && errs[2] == EAGAIN, "the 3rd fork: %d (errno %d), expected -1/EAGAIN",
          (int)p[2], errs[2]);
    CHECK(p[3] == -1 && errs[3] == EAGAIN, "a fork after the failing one succeeded");
    remote_fail_fork(-1, 0);
    pid_t again = grader_fork();
    if (again == 0)
        _exit(0);
    CHECK(again > 0, "fork still fails once disarmed");
    CHECK(remote_children_reap() == 3, "reap: not the 3 children");
    CHECK(remote_children_look().children == 0, "children left after reap");

    if (failures)
        return 1;
    puts("proc_children: ok");
    return 0;
}
