/* rpc.c - see rpc.h. Sending and receiving one message, checked. */
#include "rpc.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define HEADER_LEN offsetof(rpc_msg, blob)

static __thread rpc_msg *spare;
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;

static void free_spare(void *p) { free(p); }
static void make_spare_key(void) { pthread_key_create(&spare_key, free_spare); }

rpc_msg *rpc_buffer(void)
{
    rpc_msg *m = spare;
    if (m) {
        spare = NULL;
        pthread_setspecific(spare_key, NULL);
        return m;
    }
    return malloc(sizeof *m);
}

void rpc_buffer_done(rpc_msg *m)
{
    if (!m)
        return;
    if (spare) {
        free(m);
        return;
    }
    pthread_once(&spare_once, make_spare_key);
    spare = m;
    pthread_setspecific(spare_key, m); /* freed at the thread's exit */
}

void rpc_init(rpc_msg *m, enum rpc_kind kind)
{
    memset(m, 0, HEADER_LEN);
    m->magic = RPC_MAGIC;
    m->version = RPC_VERSION;
    m->kind = (uint16_t)kind;
}

int rpc_send(int fd, const rpc_msg *m, int pass_fd)
{
    size_t len = HEADER_LEN + (m->blob_len <= RPC_MAX_BLOB ? m->blob_len : 0);
    struct iovec iov = { (void *)m, len };
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (pass_fd >= 0) {
        memset(&ctl, 0, sizeof ctl);
        mh.msg_control = ctl.buf;
        mh.msg_controllen = sizeof ctl.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
    }
    for (;;) {
        long n = syscall(SYS_sendmsg, fd, &mh, MSG_NOSIGNAL);
        if (n == (long)len)
            return 0;
        if (n < 0 && errno == EINTR)
            continue;
        return -1;
    }
}

static int recv_one(int fd, rpc_msg *m, int *got_fd, long *sender_pid, int flags);

int rpc_recv(int fd, rpc_msg *m, int *got_fd, long *sender_pid)
{
    return recv_one(fd, m, got_fd, sender_pid, 0);
}

int rpc_try_recv(int fd, rpc_msg *m, int *got_fd)
{
    return recv_one(fd, m, got_fd, NULL, MSG_DONTWAIT);
}

static int recv_one(int fd, rpc_msg *m, int *got_fd, long *sender_pid, int flags)
{
    if (got_fd)
        *got_fd = -1;
    if (sender_pid)
        *sender_pid = 0;
    struct iovec iov = { m, sizeof *m };
    union {
        char buf[CMSG_SPACE(sizeof(int) * 4) + CMSG_SPACE(sizeof(struct ucred))];
        struct cmsghdr align;
    } ctl;
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                         .msg_controllen = sizeof ctl.buf };
    long n;
    do
        n = syscall(SYS_recvmsg, fd, &mh, MSG_CMSG_CLOEXEC | flags);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (flags & MSG_DONTWAIT) && (errno == EAGAIN || errno == EWOULDBLOCK))
        return 1; /* nothing queued (and no fd came: the kernel passes none then) */
    /* Whatever fds came, we own them now: keep one, close the rest. */
    int kept = -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < nfd; i++) {
                int f;
                memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof f);
                if (kept < 0 && got_fd)
                    kept = f;
                else
                    close(f);
            }
        } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
                   c->cmsg_len >= CMSG_LEN(sizeof(struct ucred)) && sender_pid) {
            struct ucred cr;
            memcpy(&cr, CMSG_DATA(c), sizeof cr);
            *sender_pid = cr.pid;
        }
    }
    bool ok = n >= (long)HEADER_LEN && !(mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) &&
              m->magic == RPC_MAGIC && m->version == RPC_VERSION && m->kind >= RPC_HELLO &&
              m->kind < RPC_KIND_MAX && m->nargs <= RPC_MAX_ARGS &&
              (m->nacquire <= RPC_MAX_ACQUIRE || m->nacquire == RPC_ACQUIRE_ALL) &&
              m->blob_len <= RPC_MAX_BLOB && (size_t)n == HEADER_LEN + m->blob_len;
    if (!ok) {
        if (kept >= 0)
            close(kept);
        return -1;
    }
    if (got_fd)
        *got_fd = kept;
    return 0;
}
