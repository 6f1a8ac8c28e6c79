/* test_remote.c - carries lesson 23's API from the tests to your broadcast.c,
 * and reads the subscribers' pipes for the tests.
 *
 * The tests run in a process of their own (the judge); your code runs in
 * another (the subject). Each API function below, on the tests' side, sends
 * the call to your process, where the matching do_ function makes it. A
 * subscriber's pipe lives in your process: sub_read asks it for the bytes
 * waiting on a read end, read with the real read() and sent back raw; the
 * tests split them into frames and check each one themselves. You never
 * need to read or change this file.
 */
#include "remote.h"
#include "broadcast.h"
#include "test_support.h"

#include <string.h>

enum { F_NEW, F_FREE, F_SUBSCRIBE, F_UNSUBSCRIBE, F_PUBLISH, F_READ, F_IO_FAULTS, F_IO_STATS };
REMOTE_NAMES("hub_new", "hub_free", "hub_subscribe", "hub_unsubscribe", "hub_publish",
             "the test's read of a subscriber's pipe", "the test's pipe faults switch",
             "the test's look at the descriptors");

#ifdef REMOTE_JUDGE
hub_t *hub_new(void) { return REMOTE_AS_PTR(REMOTE_CALL0(F_NEW)); }
void hub_free(hub_t *h) { REMOTE_CALL(F_FREE, REMOTE_PTR_ARG(h)); }
int hub_subscribe(hub_t *h) { return (int)REMOTE_CALL(F_SUBSCRIBE, REMOTE_PTR_ARG(h)); }
void hub_unsubscribe(hub_t *h, int fd)
{
    REMOTE_CALL(F_UNSUBSCRIBE, REMOTE_PTR_ARG(h), (uint64_t)(int64_t)fd);
}
size_t hub_publish(hub_t *h, const void *frame, size_t len)
{
    uint64_t args[] = { REMOTE_PTR_ARG(h), len };
    return (size_t)remote_call_bytes(F_PUBLISH, 2, args, frame, len, NULL, 0, NULL);
}

long sub_read(int fd, void *buf, size_t cap, int *status)
{
    size_t got = 0;
    *status = SUB_OPEN;
    while (got < cap) {
        size_t want = cap - got < SUB_READ_MAX ? cap - got : SUB_READ_MAX, n = 0;
        uint64_t st = remote_call_bytes(F_READ, 2, (uint64_t[]){ (uint64_t)(int64_t)fd, want },
                                        NULL, 0, (unsigned char *)buf + got, want, &n);
        got += n;
        *status = (int)st;
        if (st != SUB_OPEN || n < want)
            break;
    }
    return (long)got;
}

void io_faults(bool on) { REMOTE_CALL(F_IO_FAULTS, harness_seed(), on); }

io_stats io_look(void)
{
    io_stats st = { 0 };
    size_t len = 0;
    remote_call_bytes(F_IO_STATS, 0, NULL, NULL, 0, &st, sizeof st, &len);
    return st;
}
#endif

#ifdef REMOTE_SUBJECT
#include <errno.h>
#include <poll.h>
#include <unistd.h>

static uint64_t do_new(remote_args *a)
{
    (void)a;
    return REMOTE_PTR_ARG(hub_new());
}
static uint64_t do_free(remote_args *a)
{
    hub_free(REMOTE_AS_PTR(a->arg[0]));
    return 0;
}
static uint64_t do_subscribe(remote_args *a)
{
    return (uint64_t)(int64_t)hub_subscribe(REMOTE_AS_PTR(a->arg[0]));
}
static uint64_t do_unsubscribe(remote_args *a)
{
    hub_unsubscribe(REMOTE_AS_PTR(a->arg[0]), (int)(int64_t)a->arg[1]);
    return 0;
}
static uint64_t do_publish(remote_args *a)
{
    return (uint64_t)hub_publish(REMOTE_AS_PTR(a->arg[0]), a->in, a->in_len);
}

/* What is on read end arg[0] now (at most arg[1] bytes), raw, without
 * waiting: SUB_OPEN, SUB_EOF (every write end is closed) or SUB_ERROR +
 * errno. Nothing here looks at the bytes: the judge does. */
static uint64_t do_read(remote_args *a)
{
    int fd = (int)(int64_t)a->arg[0];
    size_t cap = a->arg[1] < a->out_cap ? (size_t)a->arg[1] : a->out_cap, got = 0;
    uint64_t status = SUB_OPEN;
    while (got < cap && status == SUB_OPEN) {
        struct pollfd p = { fd, POLLIN, 0 };
        int rc = poll(&p, 1, 0);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0 || (p.revents & POLLNVAL)) {
            status = SUB_ERROR + (uint64_t)(rc < 0 ? errno : EBADF);
            break;
        }
        if (rc == 0)
            break; /* nothing more for now */
        ssize_t m = read(fd, a->out + got, cap - got);
        if (m < 0 && errno == EINTR)
            continue;
        if (m < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (m < 0)
            status = SUB_ERROR + (uint64_t)errno;
        else if (m == 0)
            status = SUB_EOF;
        else
            got += (size_t)m;
    }
    a->out_len = got;
    return status;
}

static uint64_t do_io_faults(remote_args *a)
{
    remote_io_faults_kinds(a->arg[0], a->arg[1] ? REMOTE_IO_PIPES | REMOTE_IO_EAGAIN : 0);
    return 0;
}

static uint64_t do_io_stats(remote_args *a)
{
    remote_io_stats st = remote_io_read_stats();
    io_stats out = { st.open_fds, st.eagains, st.eintrs };
    if (a->out_cap >= sizeof out) {
        memcpy(a->out, &out, sizeof out);
        a->out_len = sizeof out;
    }
    return 0;
}

REMOTE_FUNCTIONS(do_new, do_free, do_subscribe, do_unsubscribe, do_publish, do_read,
                 do_io_faults, do_io_stats);
/* No call may leave a thread running or a mutex locked. */
REMOTE_LEAVES();
#endif
