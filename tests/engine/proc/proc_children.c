/* proc_children.c - the unit test of grader/harness/intercept_proc.c (the
 * student's fork: injected failures; the look at this process's children).
 * Built with that file alone and run by tests/suites/45-engine.sh; exit
 * status 0 when every check holds, else 1 with the failed check on stderr.
 *
 * Checks: forks succeed until remote_fail_fork's k-th, which fails with its
 * errno, and so do later ones until it is disarmed; vfork is a fork; the
 * look counts running children and zombies and reaps none (a zombie is
 * still there for waitpid after it); reap ends and reaps them all. The
 * book of forks and reaps (remote_procs_read): children run one after
 * another count one alive at most, children forked together count all;
 * waitid and wait reap (WNOWAIT does not); a busy child's CPU time is
 * seen, an idle one's is small; the grader's reap forgets the children.
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
pid_t grader_wait(int *status);
pid_t grader_waitpid(pid_t pid, int *status, int options);
int grader_waitid(idtype_t idtype, id_t id, siginfo_t *info, int options);

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
    /* Where: each unreaped child with its state and the line that forked it
     * (a vfork's too: the wrapper's caller, not the wrapper). */
    remote_child_where where[8];
    size_t nw = remote_children_where(where, 8);
    CHECK(nw == 3, "where: %zu children, expected 3", nw);
    int zombies = 0;
    for (size_t i = 0; i < nw; i++) {
        zombies += where[i].state == 'Z';
        CHECK((uintptr_t)where[i].site > (uintptr_t)main && (uintptr_t)where[i].site < (uintptr_t)main + 4096,
              "child %d: its fork's site %#lx is not in main", (int)where[i].pid,
              (unsigned long)where[i].site);
        CHECK(where[i].pid == slow ? where[i].state != 'Z' : where[i].state == 'Z',
              "child %d: state %c", (int)where[i].pid, where[i].state);
    }
    CHECK(zombies == 2, "where: %d zombies, expected 2", zombies);
    /* The look reaped nothing: the zombie's status is still there. */
    int st = 0;
    CHECK(grader_waitpid(quick[0], &st, WNOHANG) == quick[0] && WIFEXITED(st) && WEXITSTATUS(st) == 7,
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

    /* Three children one after another: 3 forks, at most 1 alive. */
    remote_procs_reset();
    for (int i = 0; i < 3; i++) {
        pid_t k = grader_fork();
        if (k == 0)
            _exit(0);
        CHECK(grader_waitpid(k, &st, 0) == k, "waitpid of a child failed");
    }
    remote_procs b = remote_procs_read();
    CHECK(b.forks == 3 && b.alive == 0 && b.alive_max == 1 && b.reaped == 3,
          "one after another: forks %u alive %u max %u reaped %u; expected 3 0 1 3",
          b.forks, b.alive, b.alive_max, b.reaped);

    /* Four together, one of them busy for 200 ms of CPU; reaped by waitid
     * (after a WNOWAIT look), wait and waitpid. */
    remote_procs_reset();
    pid_t four[4];
    for (int i = 0; i < 4; i++) {
        if ((four[i] = grader_fork()) == 0) {
            if (i == 0) {
                struct timespec t0, t1;
                clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
                do
                    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
                while ((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) < 200000000L);
            }
            _exit(0);
        }
    }
    b = remote_procs_read();
    CHECK(b.forks == 4 && b.alive == 4 && b.alive_max == 4, "together: forks %u alive %u max %u; "
          "expected 4 4 4", b.forks, b.alive, b.alive_max);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK(grader_waitid(P_PID, (id_t)four[0], &si, WEXITED | WNOWAIT) == 0 && si.si_pid == four[0],
          "waitid WNOWAIT failed");
    CHECK(remote_procs_read().alive == 4, "a WNOWAIT look counted as a reap");
    memset(&si, 0, sizeof si);
    CHECK(grader_waitid(P_PID, (id_t)four[0], &si, WEXITED) == 0 && si.si_pid == four[0] &&
          si.si_code == CLD_EXITED, "waitid failed");
    pid_t w = grader_wait(&st);
    CHECK(w == four[1] || w == four[2] || w == four[3], "wait reaped %d", (int)w);
    b = remote_procs_read();
    CHECK(b.alive == 2 && b.reaped == 2, "after waitid and wait: alive %u reaped %u; expected 2 2",
          b.alive, b.reaped);
    CHECK(b.cpu_us_max >= 150000 && b.cpu_us_total >= b.cpu_us_max, "the busy child's CPU time: "
          "max %llu us, expected about 200000", (unsigned long long)b.cpu_us_max);
    CHECK(b.cpu_us_min < 100000, "an idle child's CPU time: %llu us",
          (unsigned long long)b.cpu_us_min);
    CHECK(remote_children_reap() == 2, "reap: not the 2 children left");
    b = remote_procs_read();
    CHECK(b.alive == 0 && b.reaped == 2 && b.alive_max == 4, "after the grader's reap: alive %u "
          "reaped %u max %u; expected 0 2 4", b.alive, b.reaped, b.alive_max);

    if (failures)
        return 1;
    puts("proc_children: ok");
    return 0;
}
