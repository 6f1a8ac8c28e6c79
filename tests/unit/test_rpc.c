/* test_rpc.c - the judge/subject messages (grader/harness/rpc.c), under the
 * sanitizers: a message and a passed fd arrive whole; rpc_try_recv says 1
 * when nothing is queued and never waits; a malformed message (wrong magic,
 * a blob longer than it says) and the end of the stream are -1, and any fd
 * that came with a bad message is closed, not leaked. */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../grader/harness/rpc.h"

static void pair(int sv[2])
{
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
}

START_TEST(message_and_fd_arrive_whole)
{
    int sv[2], p[2];
    pair(sv);
    ck_assert_int_eq(pipe(p), 0);
    rpc_msg *m = rpc_buffer();
    ck_assert_ptr_nonnull(m);
    rpc_init(m, RPC_EVENT);
    m->fn = 7;
    m->nargs = 2;
    m->args[0] = 42;
    m->args[1] = 99;
    m->blob_len = 3;
    memcpy(m->blob, "abc", 3);
    ck_assert_int_eq(rpc_send(sv[0], m, p[1]), 0);
    memset(m, 0, sizeof *m);
    int fd = -1;
    ck_assert_int_eq(rpc_try_recv(sv[1], m, &fd), 0);
    ck_assert_int_eq(m->kind, RPC_EVENT);
    ck_assert_int_eq(m->fn, 7);
    ck_assert_int_eq(m->nargs, 2);
    ck_assert_uint_eq(m->args[1], 99);
    ck_assert_int_eq(m->blob_len, 3);
    ck_assert_int_eq(memcmp(m->blob, "abc", 3), 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "x", 1), 1); /* the pipe's write end, passed */
    char c;
    ck_assert_int_eq(read(p[0], &c, 1), 1);
    close(fd);
    close(p[0]);
    close(p[1]);
    rpc_buffer_done(m);
    close(sv[0]);
    close(sv[1]);
}
END_TEST

START_TEST(try_recv_never_waits)
{
    int sv[2];
    pair(sv);
    rpc_msg *m = rpc_buffer();
    ck_assert_ptr_nonnull(m);
    int fd = 123;
    ck_assert_int_eq(rpc_try_recv(sv[1], m, &fd), 1);
    ck_assert_int_eq(fd, -1);
    rpc_init(m, RPC_FINISH);
    ck_assert_int_eq(rpc_send(sv[0], m, -1), 0);
    ck_assert_int_eq(rpc_try_recv(sv[1], m, NULL), 0);
    ck_assert_int_eq(m->kind, RPC_FINISH);
    ck_assert_int_eq(rpc_try_recv(sv[1], m, NULL), 1);
    close(sv[0]); /* the end of the stream is not "nothing yet" */
    ck_assert_int_eq(rpc_try_recv(sv[1], m, NULL), -1);
    ck_assert_int_eq(rpc_recv(sv[1], m, NULL, NULL), -1);
    rpc_buffer_done(m);
    close(sv[1]);
}
END_TEST

START_TEST(malformed_is_refused_and_its_fd_closed)
{
    int sv[2], p[2];
    pair(sv);
    ck_assert_int_eq(pipe(p), 0);
    rpc_msg *m = rpc_buffer();
    ck_assert_ptr_nonnull(m);
    rpc_init(m, RPC_EVENT);
    m->magic ^= 1;
    ck_assert_int_eq(rpc_send(sv[0], m, p[0]), 0);
    close(p[0]); /* now only the message holds the read end */
    int fd = 123;
    ck_assert_int_eq(rpc_try_recv(sv[1], m, &fd), -1);
    ck_assert_int_eq(fd, -1);
    /* Closed: a write to the pipe finds no reader. */
    signal(SIGPIPE, SIG_IGN);
    ck_assert_int_eq(write(p[1], "x", 1), -1);
    /* A header that claims more blob than was sent. */
    unsigned char raw[sizeof(rpc_msg)];
    rpc_init((rpc_msg *)raw, RPC_EVENT);
    ((rpc_msg *)raw)->blob_len = 10;
    ck_assert_int_eq(send(sv[0], raw, offsetof(rpc_msg, blob) + 4, 0),
                     (ssize_t)(offsetof(rpc_msg, blob) + 4));
    ck_assert_int_eq(rpc_recv(sv[1], m, NULL, NULL), -1);
    close(p[1]);
    rpc_buffer_done(m);
    close(sv[0]);
    close(sv[1]);
}
END_TEST

TCase *rpc_tcase(void)
{
    TCase *tc = tcase_create("rpc");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, message_and_fd_arrive_whole);
    tcase_add_test(tc, try_recv_never_waits);
    tcase_add_test(tc, malformed_is_refused_and_its_fd_closed);
    return tc;
}
