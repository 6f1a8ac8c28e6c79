/* witness.c - a trusted helper inside a run's namespaces, for the judge
 * outside: the tests' sockets, and what the run's processes are and hold.
 *
 * A network lesson's tests are the clients of the student's server, and
 * they must run outside the student's process (what they receive decides
 * the verdict). The server listens on the loopback of the sandbox's network
 * namespace, which no process outside can enter without CAP_SYS_ADMIN. But a
 * socket belongs to the namespace it was made in, wherever its descriptor
 * goes: so init forks this helper before the command (sbx_spec.witness_fd),
 * and it makes sockets for the caller's trusted process (the judge), which
 * then connects, sends and receives itself. It also lists the TCP sockets
 * the namespace's processes hold (what the server left open) and the
 * processes of the run's PID namespace (children left running, zombies):
 * what a process lesson checks after each call, seen by trusted code.
 *
 * The helper never maps student code and is not dumpable; the command, with
 * the same uid, can only kill it, which fails the tests that need it. The
 * wire format is grader/harness/witness_wire.h. Init is a raw clone: no malloc,
 * no stdio here, only system calls and static buffers.
 */
#include "internal.h"

#include "../grader/harness/witness_wire.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Sends `len` bytes, with `fd` attached when fd >= 0. */
static int send_reply(int chan, const void *buf, size_t len, int fd)
{
    struct iovec iov = { (void *)buf, len };
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (fd >= 0) {
        memset(&ctl, 0, sizeof ctl);
        m.msg_control = ctl.buf;
        m.msg_controllen = sizeof ctl.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    ssize_t n;
    while ((n = sendmsg(chan, &m, MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    return n == (ssize_t)len ? 0 : -1;
}

static int make_socket(int chan, const witness_request *rq)
{
    witness_socket_reply r = { 0 };
    int fd = -1;
    if ((rq->domain != AF_INET && rq->domain != AF_INET6) ||
        (rq->type != SOCK_STREAM && rq->type != SOCK_DGRAM))
        r.err = EINVAL;
    else if ((fd = socket(rq->domain, rq->type | SOCK_CLOEXEC, 0)) < 0)
        r.err = errno;
    int rc = send_reply(chan, &r, sizeof r, fd);
    if (fd >= 0)
        close(fd);
    return rc;
}

/* ---- the TCP tables ------------------------------------------------------- */

static witness_held_reply held; /* the chunk being filled */

static int flush_held(int chan, bool last, int err)
{
    held.last = last;
    held.err = err;
    size_t len = sizeof held - sizeof held.e + held.count * sizeof held.e[0];
    int rc = send_reply(chan, &held, len, -1);
    held.count = 0;
    return rc;
}

static unsigned long hex_value(const char *s, const char *end)
{
    unsigned long v = 0;
    for (; s < end; s++) {
        int d = *s >= '0' && *s <= '9' ? *s - '0'
              : *s >= 'A' && *s <= 'F' ? *s - 'A' + 10
              : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 : -1;
        if (d < 0)
            break;
        v = v * 16 + (unsigned long)d;
    }
    return v;
}

/* The port of an "ADDRESS:PORT" field (hex). */
static uint16_t field_port(const char *f, const char *end)
{
    const char *colon = memchr(f, ':', (size_t)(end - f));
    return colon ? (uint16_t)hex_value(colon + 1, end) : 0;
}

/* One line of /proc/net/tcp{,6}: "sl: local rem st tx:rx tr:when retr uid
 * timeout inode ...". Fields 1, 2, 3 and 9 matter. Returns 0, or -1 when a
 * chunk could not be sent. */
static int parse_line(int chan, const char *line, size_t len, bool v6)
{
    const char *f[10], *fe[10];
    size_t nf = 0;
    for (size_t i = 0; i < len && nf < 10;) {
        while (i < len && line[i] == ' ')
            i++;
        if (i >= len)
            break;
        f[nf] = line + i;
        while (i < len && line[i] != ' ')
            i++;
        fe[nf++] = line + i;
    }
    if (nf < 10 || fe[0][-1] != ':') /* the header line, or a short one */
        return 0;
    unsigned long inode = 0;
    for (const char *p = f[9]; p < fe[9] && *p >= '0' && *p <= '9'; p++)
        inode = inode * 10 + (unsigned long)(*p - '0');
    if (inode == 0)
        return 0;
    held.e[held.count++] = (witness_held){ .inode = inode,
                                           .local_port = field_port(f[1], fe[1]),
                                           .remote_port = field_port(f[2], fe[2]),
                                           .state = (uint8_t)hex_value(f[3], fe[3]),
                                           .v6 = v6 };
    return held.count == WITNESS_HELD_CHUNK ? flush_held(chan, false, 0) : 0;
}

/* Streams one table, line by line, through a small buffer. 0, or an errno. */
static int read_table(int chan, const char *path, bool v6)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT && v6 ? 0 : errno; /* no IPv6 in this kernel */
    static char buf[8192];
    size_t have = 0;
    int err = 0;
    for (;;) {
        ssize_t n = read(fd, buf + have, sizeof buf - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = errno;
            break;
        }
        have += (size_t)n;
        size_t start = 0;
        for (size_t i = 0; i < have; i++) {
            if (buf[i] != '\n')
                continue;
            if (parse_line(chan, buf + start, i - start, v6) != 0) {
                close(fd);
                return EPIPE;
            }
            start = i + 1;
        }
        memmove(buf, buf + start, have - start);
        have -= start;
        if (n == 0)
            break;
        if (have == sizeof buf) { /* a line longer than any the kernel writes */
            err = EOVERFLOW;
            break;
        }
    }
    close(fd);
    return err;
}

static int list_held(int chan)
{
    held.count = 0;
    int err = read_table(chan, "/proc/net/tcp", false);
    if (err == 0)
        err = read_table(chan, "/proc/net/tcp6", true);
    if (err == EPIPE)
        return -1;
    return flush_held(chan, true, err);
}

/* ---- the processes ----------------------------------------------------- */

static witness_procs_reply procs; /* the chunk being filled */

static int flush_procs(int chan, bool last, int err)
{
    procs.last = last;
    procs.err = err;
    size_t len = sizeof procs - sizeof procs.e + procs.count * sizeof procs.e[0];
    int rc = send_reply(chan, &procs, len, -1);
    procs.count = 0;
    return rc;
}

/* /proc/PID/stat: "pid (comm) state ppid ...": comm may hold spaces and
 * parentheses, so it ends at the LAST ')'. False when it cannot be read
 * (the process is gone). */
static bool read_stat(int pid, witness_proc *out)
{
    /* "/proc/PID/stat", written out by hand (no snprintf: see the top). */
    char path[32], digits[12], buf[512];
    int n = 0;
    do
        digits[n++] = (char)('0' + pid % 10);
    while ((pid /= 10) > 0 && n < 11);
    memcpy(path, "/proc/", 6);
    for (int i = 0; i < n; i++)
        path[6 + i] = digits[n - 1 - i];
    memcpy(path + 6 + n, "/stat", 6);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t len = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (len <= 0)
        return false;
    buf[len] = '\0';
    char *open_paren = memchr(buf, '(', (size_t)len), *close_paren = NULL;
    for (char *p = buf + len - 1; p > buf && !close_paren; p--)
        if (*p == ')')
            close_paren = p;
    if (!open_paren || !close_paren || close_paren < open_paren || close_paren + 4 > buf + len)
        return false;
    memset(out, 0, sizeof *out);
    for (const char *p = buf; *p >= '0' && *p <= '9'; p++)
        out->pid = out->pid * 10 + (*p - '0');
    size_t clen = (size_t)(close_paren - open_paren - 1);
    memcpy(out->comm, open_paren + 1, clen < sizeof out->comm - 1 ? clen : sizeof out->comm - 1);
    out->state = close_paren[2];
    long ppid = 0;
    for (const char *p = close_paren + 4; *p >= '0' && *p <= '9'; p++)
        ppid = ppid * 10 + (*p - '0');
    out->ppid = (int32_t)ppid;
    return true;
}

static int list_procs(int chan)
{
    int dir = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return flush_procs(chan, true, errno);
    static char dents[8192];
    int self = getpid(), err = 0;
    procs.count = 0;
    for (;;) {
        long n = syscall(SYS_getdents64, dir, dents, sizeof dents);
        if (n < 0)
            err = errno;
        if (n <= 0)
            break;
        for (long off = 0; off < n;) {
            struct linux_dirent64 {
                uint64_t ino;
                int64_t off;
                unsigned short reclen;
                unsigned char type;
                char name[];
            } *d = (void *)(dents + off);
            off += d->reclen;
            int pid = 0;
            const char *c = d->name;
            for (; *c >= '0' && *c <= '9' && pid < 100000000; c++)
                pid = pid * 10 + (*c - '0');
            if (*c || pid <= 0 || pid == self)
                continue;
            if (read_stat(pid, &procs.e[procs.count]))
                procs.count++;
            if (procs.count == WITNESS_PROCS_CHUNK && flush_procs(chan, false, 0) != 0) {
                close(dir);
                return -1;
            }
        }
    }
    close(dir);
    return flush_procs(chan, true, err);
}

/* ---- the helper ----------------------------------------------------------- */

static __attribute__((noreturn)) void serve(int chan)
{
    prctl(PR_SET_DUMPABLE, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* init's death ends us */
    signal(SIGPIPE, SIG_IGN);
    sbx_close_fds_except(&chan, 1);
    for (;;) {
        witness_request rq;
        ssize_t n = recv(chan, &rq, sizeof rq, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n != (ssize_t)sizeof rq) /* the judge is gone, or spoke nonsense */
            _exit(0);
        int rc = rq.verb == WITNESS_SOCKET ? make_socket(chan, &rq)
               : rq.verb == WITNESS_HELD   ? list_held(chan)
               : rq.verb == WITNESS_PROCS  ? list_procs(chan)
                                           : -1;
        if (rc != 0)
            _exit(0);
    }
}

int sbx_witness_start(int chan)
{
    pid_t pid = fork();
    if (pid == 0)
        serve(chan);
    int e = errno;
    close(chan); /* the helper's now: its death is the judge's end of channel */
    errno = e;
    return pid < 0 ? -1 : 0;
}
