/* test_witness.c - the sandbox's witness (sandbox/witness.c) and the
 * judge's side of it (grader/harness/witness.c): a socket it makes belongs
 * to the run's network namespace, not ours; a client made with it reaches a
 * server the command runs there; the list of held TCP sockets shows the
 * command's listening socket and leaves out our own; the list of processes
 * shows the command, its zombie child and its sleeping child; a witness
 * that is gone makes every later request fail, never fall back to our own
 * network. */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "../../grader/harness/harness.h"
#include "../../grader/harness/witness_wire.h"
#include "../../sandbox/sandbox.h"

/* What the checks made while the command ran (on_start). */
typedef struct seen {
    int judge_end;           /* our end of the helper's channel */
    int other_netns;         /* the made socket's namespace is not ours */
    int listening;           /* held sockets: the command's listener */
    uint16_t port;           /* ... and its port */
    int held_total;          /* held sockets in all (ours left out) */
    int connected;           /* a made client reached the command's listener */
    int procs;               /* processes listed */
    char subject_name[16];   /* the command's name, as listed */
    int zombies, sleepers;   /* the command's children: exited unreaped, asleep */
} seen;

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&t, NULL);
}

static ino_t netns_of_socket(int fd)
{
    int ns = ioctl(fd, SIOCGSKNS);
    struct stat st;
    ino_t ino = ns >= 0 && fstat(ns, &st) == 0 ? st.st_ino : 0;
    if (ns >= 0)
        close(ns);
    return ino;
}

static void check_while_running(void *arg)
{
    seen *s = arg;
    witness_judge_channel(s->judge_end);
    int fd = harness_net_socket(AF_INET, SOCK_STREAM);
    struct stat mine;
    if (fd >= 0 && stat("/proc/self/ns/net", &mine) == 0)
        s->other_netns = netns_of_socket(fd) != 0 && netns_of_socket(fd) != mine.st_ino;
    /* The command's listener shows up once Python has started. */
    harness_net_held_socket held[8];
    for (int i = 0; i < 300 && s->listening == 0; i++) {
        int n = harness_net_held(held, 8);
        s->held_total = n;
        for (int k = 0; k < n && k < 8; k++)
            if (held[k].state == HARNESS_TCP_LISTEN) {
                s->listening++;
                s->port = held[k].local_port;
            }
        if (s->listening == 0)
            sleep_ms(10);
    }
    if (fd >= 0 && s->port) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(s->port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        s->connected = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
        /* Our client is ours: still only the listener (a connection not
         * accepted yet has no descriptor on the server's side). */
        s->held_total = harness_net_held(held, 8);
    }
    if (fd >= 0)
        close(fd);
    harness_proc p[16];
    s->procs = harness_procs(p, 16);
    int subject = harness_subject_pid(p, s->procs < 16 ? s->procs : 16);
    for (int i = 0; i < s->procs && i < 16; i++) {
        if (p[i].pid == subject)
            memcpy(s->subject_name, p[i].name, sizeof s->subject_name);
        if (p[i].ppid == subject && p[i].state == 'Z')
            s->zombies++;
        if (p[i].ppid == subject && p[i].state == 'S')
            s->sleepers++;
    }
}

START_TEST(sockets_live_in_the_runs_network)
{
    sbx_caps caps;
    sbx_capabilities(&caps);
    if (!caps.net_ns)
        return; /* no namespaces here: the judge makes its own sockets */
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    const char *argv[] = { "/usr/bin/python3", "-c",
                           "import os, socket, time\n"
                           "if os.fork() == 0: os._exit(0)\n"          /* a zombie */
                           "if os.fork() == 0: time.sleep(30)\n"       /* a sleeper */
                           "s = socket.socket()\n"
                           "s.bind(('127.0.0.1', 0))\n"
                           "s.listen(4)\n"
                           "time.sleep(2)\n",
                           NULL };
    seen s = { .judge_end = sv[0] };
    sbx_spec spec = { .argv = argv, .workdir = "/", .wall_ms = 20000, .pass_fd = -1,
                      .sanitizer = true, .network = true, .witness_fd = sv[1],
                      .on_start = check_while_running, .on_start_arg = &s };
    sbx_result res;
    ck_assert_int_eq(sbx_run(&spec, &res), 0);
    close(sv[1]);
    ck_assert_msg(res.status == 0, "the command failed: %s", res.output);
    sbx_result_free(&res);
    ck_assert_msg(s.other_netns, "the made socket is in our own network namespace");
    ck_assert_msg(s.listening == 1, "held sockets: %d listening (expected the command's 1)",
                  s.listening);
    ck_assert_msg(s.connected, "a made client did not reach the command's listener on %u",
                  s.port);
    ck_assert_msg(s.held_total == 1, "held sockets with our client connected: %d (expected 1: "
                  "ours are left out)", s.held_total);
    ck_assert_msg(s.procs == 4, "processes listed: %d (expected init, the command, its two "
                  "children)", s.procs);
    ck_assert_msg(strncmp(s.subject_name, "python3", 7) == 0, "the command listed as \"%s\"",
                  s.subject_name);
    ck_assert_msg(s.zombies == 1 && s.sleepers == 1, "the command's children: %d zombie(s), %d "
                  "asleep (expected 1 and 1)", s.zombies, s.sleepers);
    /* The namespace is gone with its witness: requests fail, no fallback. */
    ck_assert_int_lt(harness_net_socket(AF_INET, SOCK_STREAM), 0);
    ck_assert_int_eq(harness_net_held(NULL, 0), HARNESS_NET_FAILED);
    ck_assert_int_eq(harness_procs(NULL, 0), HARNESS_NET_FAILED);
    close(sv[0]);
}
END_TEST

TCase *witness_tcase(void)
{
    TCase *tc = tcase_create("witness");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, sockets_live_in_the_runs_network);
    return tc;
}
