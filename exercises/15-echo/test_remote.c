/* test_remote.c - carries lesson 15's API from the tests to your echo.c,
 * and plays the TCP clients.
 *
 * The tests run in a process of their own (the judge); your code runs in
 * another (the subject), maybe in a network namespace of its own. Each API
 * function below, on the tests' side, sends the call to your process, where
 * the matching do_ function makes it. The clients are the tests' own: the
 * grader hands the judge sockets made on your process's network (its
 * 127.0.0.1), and the functions below connect, send, receive and close
 * with them. You never need to read or change this file.
 *
 * What a client sends is a pattern computed from a seed and the offset of
 * each byte, so what comes back is checked byte by byte as it arrives.
 */
#include "remote.h"
#include "echo.h"
#include "test_support.h"

#include <string.h>

enum { F_START, F_PORT, F_STOP, F_IO_FAULTS, F_IO_STATS, F_IO_QUIET };
REMOTE_NAMES("echo_start", "echo_port", "echo_stop",
             "the test's socket faults switch", "the test's look at the sockets",
             "the test's wait for a quiet server");

#ifdef REMOTE_JUDGE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

echo_server_t *echo_start(uint16_t port, size_t workers)
{
    return REMOTE_AS_PTR(REMOTE_CALL(F_START, port, (uint64_t)workers));
}
uint16_t echo_port(echo_server_t *s) { return (uint16_t)REMOTE_CALL(F_PORT, REMOTE_PTR_ARG(s)); }
void echo_stop(echo_server_t *s) { REMOTE_CALL(F_STOP, REMOTE_PTR_ARG(s)); }

void io_faults(bool on) { REMOTE_CALL(F_IO_FAULTS, harness_seed(), on); }

io_stats io_look(void)
{
    io_stats st = { 0 };
    size_t len = 0;
    remote_call_bytes(F_IO_STATS, 0, NULL, NULL, 0, &st, sizeof st, &len);
    return st;
}

bool io_quiet(unsigned quiet_ms, unsigned max_ms)
{
    return REMOTE_CALL(F_IO_QUIET, quiet_ms, max_ms) != 0;
}
#endif

#ifdef REMOTE_SUBJECT
static uint64_t do_start(remote_args *a)
{
    return REMOTE_PTR_ARG(echo_start((uint16_t)a->arg[0], (size_t)a->arg[1]));
}
static uint64_t do_port(remote_args *a) { return echo_port(REMOTE_AS_PTR(a->arg[0])); }
static uint64_t do_stop(remote_args *a)
{
    echo_stop(REMOTE_AS_PTR(a->arg[0]));
    return 0;
}

static uint64_t do_io_faults(remote_args *a)
{
    remote_io_faults(a->arg[0], a->arg[1] != 0);
    return 0;
}

static uint64_t do_io_stats(remote_args *a)
{
    remote_io_stats st = remote_io_read_stats();
    io_stats out = { st.served_now, st.served_max, st.open_fds, st.sigpipe_writes,
                     st.short_transfers, st.eintrs };
    if (a->out_cap >= sizeof out) {
        memcpy(a->out, &out, sizeof out);
        a->out_len = sizeof out;
    }
    return 0;
}

static uint64_t do_io_quiet(remote_args *a)
{
    return remote_io_wait_quiet((unsigned)a->arg[0], (unsigned)a->arg[1]);
}

REMOTE_FUNCTIONS(do_start, do_port, do_stop, do_io_faults, do_io_stats, do_io_quiet);
/* echo_start leaves its workers running; echo_stop joins them. */
REMOTE_LEAVES({ F_START, REMOTE_LEAVES_THREADS });
#endif
