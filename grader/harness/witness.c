/* witness.c - the judge's side of the sandbox's witness (judge only): the
 * tests' own sockets on the student's network, the TCP sockets held there,
 * and the processes of the student's run.
 *
 * A network lesson's tests are the TCP clients of the student's server, and
 * what a client receives decides the verdict: so the clients are the
 * judge's, never code in the student's process. Where the subject has a
 * network namespace of its own, the judge cannot enter it; a helper inside
 * (sandbox/witness.c) makes the sockets and passes them here, lists the TCP
 * sockets the namespace's processes hold, and lists the processes of the
 * run's PID namespace. Without namespaces (--witness not given) the network
 * is the machine's and the judge makes its sockets itself; what the server
 * holds, and which processes are the run's, cannot then be told apart from
 * the rest of the machine.
 */
#include "harness.h"
#include "witness_wire.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAKER_REPLY_MS 5000 /* the helper answers at once; a stopped one fails the test */

static int maker_fd = -1;
/* A reply that did not come, or came wrong: the next one could be an old
 * one's, so no request is made again (every later one fails). */
static bool maker_broken;
static pthread_mutex_t maker_lock = PTHREAD_MUTEX_INITIALIZER;

void witness_judge_channel(int fd)
{
    maker_fd = fd;
}

/* One reply from the helper into buf (at most cap bytes), with a descriptor
 * in *fd when one came (else -1). Its length, or -errno. */
static ssize_t maker_reply(void *buf, size_t cap, int *fd)
{
    *fd = -1;
    struct pollfd p = { maker_fd, POLLIN, 0 };
    int rc;
    while ((rc = poll(&p, 1, MAKER_REPLY_MS)) < 0 && errno == EINTR)
        ;
    if (rc == 0)
        return -ETIMEDOUT;
    union {
        char buf[CMSG_SPACE(4 * sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = { buf, cap };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                        .msg_controllen = sizeof ctl.buf };
    ssize_t n;
    while ((n = recvmsg(maker_fd, &m, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
        ;
    if (n < 0)
        return -errno;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k; i++) {
            int got;
            memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
            if (*fd < 0)
                *fd = got;
            else
                close(got); /* never more than one: keep the first */
        }
    }
    if (n == 0 || (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
        if (*fd >= 0)
            close(*fd);
        *fd = -1;
        return -EPROTO;
    }
    return n;
}

static int maker_request(uint32_t verb, int domain, int type)
{
    if (maker_broken)
        return -EPROTO;
    witness_request rq = { verb, domain, type };
    ssize_t n;
    while ((n = send(maker_fd, &rq, sizeof rq, MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    return n == (ssize_t)sizeof rq ? 0 : -(n < 0 ? errno : EPROTO);
}

int harness_net_socket(int domain, int type)
{
    if (maker_fd < 0) {
        int fd = socket(domain, type | SOCK_CLOEXEC, 0);
        return fd >= 0 ? fd : -errno;
    }
    pthread_mutex_lock(&maker_lock);
    int fd = -1, rc = maker_request(WITNESS_SOCKET, domain, type);
    if (rc == 0) {
        witness_socket_reply r;
        ssize_t n = maker_reply(&r, sizeof r, &fd);
        struct stat st;
        if (n < 0)
            rc = (int)n;
        else if (n != (ssize_t)sizeof r || (r.err == 0) != (fd >= 0))
            rc = -EPROTO;
        else if (r.err != 0)
            rc = r.err > 0 ? -r.err : -EPROTO;
        else if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
            rc = -EPROTO;
        if (rc != 0 && rc != -EINVAL && rc != -EMFILE && rc != -ENFILE && rc != -ENOBUFS &&
            rc != -ENOMEM && rc != -EAFNOSUPPORT)
            maker_broken = true; /* not the helper's own answer */
    }
    pthread_mutex_unlock(&maker_lock);
    if (rc != 0 && fd >= 0)
        close(fd);
    return rc != 0 ? rc : fd;
}

/* The inodes of the sockets this process holds (the tests' own). */
static size_t own_socket_inodes(uint64_t *out, size_t cap)
{
    DIR *d = opendir("/proc/self/fd");
    size_t n = 0;
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        struct stat st;
        if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &st, 0) != 0 ||
            !S_ISSOCK(st.st_mode))
            continue;
        if (n < cap)
            out[n++] = (uint64_t)st.st_ino;
    }
    closedir(d);
    return n;
}

int harness_net_held(harness_net_held_socket *out, size_t cap)
{
    if (maker_fd < 0)
        return HARNESS_NET_UNKNOWN;
    pthread_mutex_lock(&maker_lock); /* it guards the static buffers too */
    static uint64_t own[4096];
    size_t nown = own_socket_inodes(own, sizeof own / sizeof own[0]);
    int count = 0, rc = maker_request(WITNESS_HELD, 0, 0);
    static witness_held_reply r;
    while (rc == 0) {
        int fd;
        ssize_t n = maker_reply(&r, sizeof r, &fd);
        size_t head = sizeof r - sizeof r.e;
        if (fd >= 0)
            close(fd);
        if (n < 0 || (size_t)n < head || r.count > WITNESS_HELD_CHUNK ||
            (size_t)n != head + r.count * sizeof r.e[0]) {
            maker_broken = true;
            rc = -1;
            break;
        }
        if (r.err != 0) { /* the helper could not read the table: its final reply */
            rc = -1;
            break;
        }
        for (uint32_t i = 0; i < r.count; i++) {
            bool mine = false;
            for (size_t j = 0; j < nown && !mine; j++)
                mine = own[j] == r.e[i].inode;
            if (mine)
                continue;
            if ((size_t)count < cap)
                out[count] = (harness_net_held_socket){ r.e[i].local_port, r.e[i].remote_port,
                                                        r.e[i].state };
            count++;
        }
        if (r.last)
            break;
    }
    pthread_mutex_unlock(&maker_lock);
    return rc != 0 ? HARNESS_NET_FAILED : count;
}

int harness_procs(harness_proc *out, size_t cap)
{
    if (maker_fd < 0)
        return HARNESS_NET_UNKNOWN;
    pthread_mutex_lock(&maker_lock);
    int count = 0, rc = maker_request(WITNESS_PROCS, 0, 0);
    static witness_procs_reply r;
    while (rc == 0) {
        int fd;
        ssize_t n = maker_reply(&r, sizeof r, &fd);
        size_t head = sizeof r - sizeof r.e;
        if (fd >= 0)
            close(fd);
        if (n < 0 || (size_t)n < head || r.count > WITNESS_PROCS_CHUNK ||
            (size_t)n != head + r.count * sizeof r.e[0]) {
            maker_broken = true;
            rc = -1;
            break;
        }
        if (r.err != 0) {
            rc = -1;
            break;
        }
        for (uint32_t i = 0; i < r.count; i++) {
            if ((size_t)count < cap) {
                harness_proc *p = &out[count];
                *p = (harness_proc){ r.e[i].pid, r.e[i].ppid, r.e[i].state, { 0 } };
                memcpy(p->name, r.e[i].comm, sizeof p->name - 1);
            }
            count++;
        }
        if (r.last)
            break;
    }
    pthread_mutex_unlock(&maker_lock);
    return rc != 0 ? HARNESS_NET_FAILED : count;
}

/* The subject is init's first child but the witness (which lists itself
 * out): PIDs in a fresh namespace come in order, and orphans that init
 * adopts later have higher ones. */
int harness_subject_pid(const harness_proc *p, int n)
{
    int subject = 0;
    for (int i = 0; i < n; i++)
        if (p[i].ppid == 1 && (subject == 0 || p[i].pid < subject))
            subject = p[i].pid;
    return subject;
}
