/* rpc-unit-costs.c - what one piece of the judge/subject split costs on this
 * machine, in CPU microseconds: a round trip of two protocol messages
 * between two processes (grader/harness/rpc.c, the code the judge and the
 * subject use), a thread started and joined, a channel made (a socketpair
 * whose end travels over the control socket, as SPAWN and NEWCHAN do), and
 * the start of a judge process (`judge --list`, when a judge is given).
 * scripts/bench-split-share.sh multiplies these by what a grading did.
 *     rpc-unit-costs [JUDGE]     prints "name cpu_us wall_us" lines
 */
#include "../grader/harness/rpc.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* CPU time of this process (RUSAGE_SELF) or of its reaped children, in us. */
static double cpu_us(int who)
{
    struct rusage ru;
    getrusage(who, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + ru.ru_utime.tv_usec +
           ru.ru_stime.tv_usec;
}

static void report(const char *name, int n, double cpu0, double cpu1, double w0, double w1)
{
    printf("%s %.2f %.2f\n", name, (cpu1 - cpu0) / n, (w1 - w0) / n);
}

/* The subject's side: answer every CALL with a RETURN; pass on fds (a
 * channel) by closing them; stop at FINISH. */
static void echo_side(int fd)
{
    rpc_msg *m = rpc_buffer();
    int got;
    while (m && rpc_recv(fd, m, &got, NULL) == 0 && m->kind != RPC_FINISH) {
        if (got >= 0)
            close(got);
        uint64_t v = m->args[0];
        rpc_init(m, RPC_RETURN);
        m->nargs = 1;
        m->args[0] = v + 1;
        if (rpc_send(fd, m, -1) != 0)
            break;
    }
    _exit(0);
}

static void *nothing(void *arg) { return arg; }

int main(int argc, char **argv)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0) {
        perror("socketpair");
        return 1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        echo_side(sv[1]);
    }
    close(sv[1]);
    rpc_msg *m = rpc_buffer();
    if (!m)
        return 1;

    /* Both processes' CPU: ours now, the child's when it is reaped. */
    enum { TRIPS = 20000, CHANS = 2000, THREADS = 2000, STARTS = 200 };
    double c0 = cpu_us(RUSAGE_SELF), w0 = wall_us();
    for (int i = 0; i < TRIPS; i++) {
        rpc_init(m, RPC_CALL);
        m->fn = 1;
        m->nargs = 2;
        m->args[0] = (uint64_t)i;
        if (rpc_send(sv[0], m, -1) != 0 || rpc_recv(sv[0], m, NULL, NULL) != 0 ||
            m->args[0] != (uint64_t)i + 1) {
            fprintf(stderr, "round trip %d failed\n", i);
            return 1;
        }
    }
    double trip_self = cpu_us(RUSAGE_SELF) - c0, trip_wall = wall_us() - w0;

    c0 = cpu_us(RUSAGE_SELF);
    w0 = wall_us();
    for (int i = 0; i < CHANS; i++) {
        int ch[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, ch) != 0)
            return 1;
        rpc_init(m, RPC_CALL);
        if (rpc_send(sv[0], m, ch[1]) != 0 || rpc_recv(sv[0], m, NULL, NULL) != 0)
            return 1;
        close(ch[0]);
        close(ch[1]);
    }
    double chan_self = cpu_us(RUSAGE_SELF) - c0, chan_wall = wall_us() - w0;

    rpc_init(m, RPC_FINISH);
    rpc_send(sv[0], m, -1);
    /* The echo side's CPU is shared out in proportion to the round trips
     * each part made (TRIPS and CHANS); the channels' own work is ours. */
    waitpid(pid, NULL, 0);
    double child = cpu_us(RUSAGE_CHILDREN);
    double share = child / (TRIPS + CHANS);
    printf("round_trip %.2f %.2f\n", (trip_self + share * TRIPS) / TRIPS, trip_wall / TRIPS);
    printf("channel %.2f %.2f\n", (chan_self + share * CHANS) / CHANS - (trip_self + share * TRIPS) / TRIPS,
           chan_wall / CHANS);

    c0 = cpu_us(RUSAGE_SELF);
    w0 = wall_us();
    for (int i = 0; i < THREADS; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, nothing, NULL) != 0)
            return 1;
        pthread_join(t, NULL);
    }
    report("thread", THREADS, c0, cpu_us(RUSAGE_SELF), w0, wall_us());

    if (argc > 1) {
        double before = cpu_us(RUSAGE_CHILDREN);
        w0 = wall_us();
        for (int i = 0; i < STARTS; i++) {
            pid_t p = fork();
            if (p == 0) {
                int null = open("/dev/null", 1);
                dup2(null, 1);
                execl(argv[1], argv[1], "--list", (char *)NULL);
                _exit(127);
            }
            int st;
            if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                fprintf(stderr, "%s --list failed\n", argv[1]);
                return 1;
            }
        }
        report("judge_start", STARTS, before, cpu_us(RUSAGE_CHILDREN), w0, wall_us());
    }
    return 0;
}
