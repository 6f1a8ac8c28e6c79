/* intercept_time.c - the student's clock reads and sleeps, for the engine's
 * virtual clock (vclock.h).
 *
 * intercept.syms renames the student's clock_gettime, time, gettimeofday,
 * timespec_get, clock_nanosleep, sleep and poll to the grader_* functions
 * here (nanosleep, usleep and the C11 thrd_sleep are in intercept.c and
 * c11threads.c, with the engine's other calls). While virtual time is off,
 * each is the real call behind one test of a flag; on, they read and sleep
 * in virtual time (poll only without descriptors: a pure sleep).
 */
#include "engine.h"
#include "vclock.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define SITE __builtin_return_address(0)

int grader_clock_gettime(clockid_t clock, struct timespec *ts);
time_t grader_time(time_t *out);
int grader_gettimeofday(struct timeval *restrict tv, void *restrict tz);
int grader_clock_nanosleep(clockid_t clock, int flags, const struct timespec *req,
                           struct timespec *rem);
unsigned grader_sleep(unsigned seconds);
int grader_timespec_get(struct timespec *ts, int base);
int grader_poll(struct pollfd *fds, nfds_t nfds, int timeout_ms);

int grader_clock_gettime(clockid_t clock, struct timespec *ts)
{
    if (!vclock_active())
        return clock_gettime(clock, ts);
    return vclock_gettime(clock, ts);
}

time_t grader_time(time_t *out)
{
    if (!vclock_active())
        return time(out);
    struct timespec ts;
    vclock_gettime(CLOCK_REALTIME, &ts);
    if (out)
        *out = ts.tv_sec;
    return ts.tv_sec;
}

int grader_gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    if (!vclock_active() || !tv)
        return gettimeofday(tv, tz);
    struct timespec ts;
    vclock_gettime(CLOCK_REALTIME, &ts);
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = ts.tv_nsec / 1000;
    return 0;
}

/* C11's clock: TIME_UTC is CLOCK_REALTIME. */
int grader_timespec_get(struct timespec *ts, int base)
{
    if (!vclock_active() || base != TIME_UTC)
        return timespec_get(ts, base);
    vclock_gettime(CLOCK_REALTIME, ts);
    return base;
}

int grader_clock_nanosleep(clockid_t clock, int flags, const struct timespec *req,
                           struct timespec *rem)
{
    if (!vclock_active() || !engine_ready())
        return clock_nanosleep(clock, flags, req, rem);
    return vclock_clock_nanosleep(clock, flags, req, rem, SITE);
}

/* poll with no descriptors is a sleep: virtual. With descriptors it stays
 * real (a peer outside the process is outside the virtual clock). */
int grader_poll(struct pollfd *fds, nfds_t nfds, int timeout_ms)
{
    if (!vclock_active() || !engine_ready() || nfds != 0 || timeout_ms < 0)
        return poll(fds, nfds, timeout_ms);
    vclock_sleep_ns((uint64_t)timeout_ms * 1000000u, SITE);
    return 0;
}

unsigned grader_sleep(unsigned seconds)
{
    if (!vclock_active() || !engine_ready())
        return sleep(seconds);
    vclock_sleep_ns((uint64_t)seconds * 1000000000u, SITE);
    return 0;
}
