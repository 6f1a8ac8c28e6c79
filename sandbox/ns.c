/* ns.c - the namespace sandbox: user, PID, mount, network, IPC and UTS
 * namespaces, a private read-only root, and an init process (PID 1 of the
 * new PID namespace) that runs the command, reaps everything, reports the
 * command's wait status and, when the command ends, kills all that is left.
 * When init dies (timeout, our own death) the kernel kills the namespace.
 *
 * The private root (a tmpfs) holds: /usr, /lib*, /bin, /sbin (read-only),
 * a few files of /etc, /dev/{null,zero,full,random,urandom}, /dev/shm, a new
 * /proc, a private /tmp (noexec), the caller's read-only paths, the work dir
 * (writable for compile steps, read-only but executable for test runs) and
 * the scratch dir (writable, noexec). Nothing else of the host is visible.
 * The command runs as uid/gid 1000 inside, mapped to nobody when we are
 * root (else to ourselves), so execve leaves it no capability. As root,
 * init also maps root to root so that it can set up the mounts of a course
 * kept under a private directory; it drops to 1000 before the command starts.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NS_FLAGS (CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | \
                  CLONE_NEWUTS)

/* What init tells the parent: the command's status, or where setup failed. */
typedef struct init_report {
    int setup_step; /* 0: ran; else the failing step (see `fail`) */
    int value;      /* wait status, or errno */
} init_report;

static const char *const top_dirs[] = { "/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32",
                                        "/libx32", NULL };
static const char *const etc_files[] = { "/etc/ld.so.cache", "/etc/ld.so.conf",
                                         "/etc/ld.so.conf.d", "/etc/alternatives",
                                         "/etc/hosts", "/etc/nsswitch.conf", "/etc/localtime",
                                         "/etc/host.conf", NULL };
static const char *const dev_nodes[] = { "null", "zero", "full", "urandom", "random", NULL };

/* ---- in init: building the root (no malloc: we are a raw clone) ---------- */

static char root[64];

static void report(int fd, int step, int value)
{
    init_report r = { step, value };
    if (write(fd, &r, sizeof r) != (ssize_t)sizeof r)
        _exit(121);
}

/* mkdir -p of root+path (path absolute). */
static int make_dirs(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s%s", root, path) >= (int)sizeof buf)
        return -1;
    for (char *p = buf + strlen(root) + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

/* The mount flags a bind remount must keep (locked in a user namespace). */
static unsigned long kept_flags(const char *path)
{
    struct statvfs sv;
    if (statvfs(path, &sv) != 0)
        return 0;
    unsigned long f = 0;
    if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
    if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
    if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
    if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
    if (sv.f_flag & ST_RDONLY) f |= MS_RDONLY;
    return f;
}

/* Binds host `src` at root+`dst`; flags: MS_RDONLY, MS_NOEXEC wanted.
 * Always nosuid; nodev except for the device nodes themselves (SBX_DEV). */
#define SBX_DEV (1ul << 62)
static int bind_path(const char *src, const char *dst, unsigned long flags)
{
    struct stat st;
    if (stat(src, &st) != 0)
        return -1;
    char target[4096];
    if (snprintf(target, sizeof target, "%s%s", root, dst) >= (int)sizeof target)
        return -1;
    if (S_ISDIR(st.st_mode)) {
        if (make_dirs(dst) != 0)
            return -1;
    } else {
        char parent[4096];
        snprintf(parent, sizeof parent, "%s", dst);
        char *slash = strrchr(parent, '/');
        if (slash && slash != parent) {
            *slash = '\0';
            if (make_dirs(parent) != 0)
                return -1;
        }
        int fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EISDIR)
            return -1;
        if (fd >= 0)
            close(fd);
    }
    if (mount(src, target, NULL, MS_BIND | MS_REC, NULL) != 0)
        return -1;
    unsigned long f = kept_flags(target) | (flags & ~SBX_DEV) | MS_NOSUID |
                      (flags & SBX_DEV ? 0 : MS_NODEV);
    return mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | f, NULL);
}

/* Recreates a symlink (e.g. /bin -> usr/bin) or binds the directory. */
static int bind_or_link(const char *path, unsigned long flags)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return 0; /* not on this system */
    if (S_ISLNK(st.st_mode)) {
        char dest[4096], target[4096];
        ssize_t n = readlink(path, dest, sizeof dest - 1);
        if (n < 0)
            return -1;
        dest[n] = '\0';
        snprintf(target, sizeof target, "%s%s", root, path);
        return symlink(dest, target) == 0 || errno == EEXIST ? 0 : -1;
    }
    return bind_path(path, path, flags);
}

static int mount_tmpfs(const char *dst, const char *opts, unsigned long flags)
{
    char target[4096];
    if (make_dirs(dst) != 0)
        return -1;
    snprintf(target, sizeof target, "%s%s", root, dst);
    return mount("sandbox", target, "tmpfs", MS_NOSUID | MS_NODEV | flags, opts);
}

static int make_dev(void)
{
    if (mount_tmpfs("/dev", "mode=0755,size=64k,nr_inodes=64", MS_NOEXEC) != 0)
        return -1;
    for (const char *const *n = dev_nodes; *n; n++) {
        char src[64];
        snprintf(src, sizeof src, "/dev/%s", *n);
        struct stat st;
        if (stat(src, &st) != 0 || !S_ISCHR(st.st_mode))
            continue; /* missing, or not a device (a broken host /dev/null) */
        if (bind_path(src, src, MS_NOEXEC | SBX_DEV) != 0)
            return -1;
    }
    static const char *const links[][2] = { { "/proc/self/fd", "/dev/fd" },
                                            { "/proc/self/fd/0", "/dev/stdin" },
                                            { "/proc/self/fd/1", "/dev/stdout" },
                                            { "/proc/self/fd/2", "/dev/stderr" } };
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        char target[128];
        snprintf(target, sizeof target, "%s%s", root, links[i][1]);
        if (symlink(links[i][0], target) != 0)
            return -1;
    }
    return mount_tmpfs("/dev/shm", "mode=1777,size=64m,nr_inodes=1024", MS_NOEXEC);
}

static const char *pick_mountpoint(void)
{
    static const char *const cands[] = { "/mnt", "/media", "/srv", "/opt", "/run", "/tmp", NULL };
    for (const char *const *c = cands; *c; c++) {
        struct stat st;
        if (lstat(*c, &st) == 0 && S_ISDIR(st.st_mode))
            return *c;
    }
    return NULL;
}

static void loopback_up(void)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
    if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    close(s);
}

/* Returns 0, or the number of the step that failed (errno set). */
static int build_root(const sbx_spec *spec)
{
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        return 1;
    const char *mp = pick_mountpoint();
    if (!mp)
        return 2;
    snprintf(root, sizeof root, "%s", mp);
    if (mount("sandbox", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m,nr_inodes=4096") != 0)
        return 3;
    for (const char *const *d = top_dirs; *d; d++)
        if (bind_or_link(*d, MS_RDONLY) != 0)
            return 4;
    if (make_dirs("/etc") != 0)
        return 5;
    for (const char *const *f = etc_files; *f; f++)
        if (bind_or_link(*f, MS_RDONLY | MS_NOEXEC) != 0)
            return 5;
    if (make_dev() != 0)
        return 6;
    char target[4096];
    if (make_dirs("/proc") != 0)
        return 7;
    snprintf(target, sizeof target, "%s/proc", root);
    if (mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
        return 7;
    const char *tmpopts = spec->compiler ? "mode=1777,size=512m,nr_inodes=4096"
                                         : "mode=1777,size=64m,nr_inodes=1024";
    if (mount_tmpfs("/tmp", tmpopts, MS_NOEXEC) != 0)
        return 8;
    for (const char *const *p = spec->ro_paths; p && *p; p++)
        if (bind_path(*p, *p, MS_RDONLY | MS_NOEXEC) != 0)
            return 9;
    if (spec->workdir && bind_path(spec->workdir, spec->workdir, spec->compiler ? 0 : MS_RDONLY) != 0)
        return 10;
    if (spec->scratch_dir && bind_path(spec->scratch_dir, spec->scratch_dir, MS_NOEXEC) != 0)
        return 11;
    /* Swap roots and drop the host's. */
    if (chdir(root) != 0 || syscall(SYS_pivot_root, ".", ".") != 0 ||
        umount2(".", MNT_DETACH) != 0 || chdir("/") != 0)
        return 12;
    if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) != 0)
        return 13;
    /* Cosmetic (the UTS namespace is ours either way): a container's
     * seccomp profile may refuse it, and that must not cost the namespaces. */
    (void)sethostname("sandbox", 7);
    if (spec->network)
        loopback_up();
    return 0;
}

static void set_identity(void)
{
    /* As root the maps were written by a privileged process: supplementary
     * groups may (and must) still be dropped. Otherwise setgroups is denied. */
    setgroups(0, NULL);
    if (setresgid(SBX_INSIDE_ID, SBX_INSIDE_ID, SBX_INSIDE_ID) != 0 ||
        setresuid(SBX_INSIDE_ID, SBX_INSIDE_ID, SBX_INSIDE_ID) != 0)
        _exit(122);
}

/* True when the grader has died: nobody reads the status pipe any more (a
 * pipe's write end polls POLLERR without readers). init's getppid() is 0
 * whatever happens (its parent is outside its PID namespace), so the pipe
 * is how init tells. */
static bool grader_gone(int status_fd)
{
    struct pollfd p = { status_fd, 0, 0 };
    return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP | POLLNVAL));
}

static __attribute__((noreturn)) void init_main(const sbx_spec *spec, int out_fd, int go_fd,
                                                int status_fd)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    char c;
    if (read(go_fd, &c, 1) != 1)
        _exit(120); /* the grader is gone */
    close(go_fd);
    /* The root is built first, with init's powers inside the namespace (as
     * root, init is root inside, so it can reach a course kept under a
     * private directory such as /root); then init becomes the unprivileged
     * inside user that the command runs as. */
    int step = build_root(spec);
    if (step) {
        report(status_fd, step, errno);
        _exit(0);
    }
    set_identity();
    /* Changing credentials clears the parent-death signal (as root init
     * goes from uid 0 to the sandbox's uid): set it again now that they are
     * final, then check that the grader did not die before it was set. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (grader_gone(status_fd))
        _exit(120);
    /* The judge's witness in these namespaces (witness.c): forked before
     * the command, so the command never runs beside its setup. */
    if (spec->witness_fd > 2 && sbx_witness_start(spec->witness_fd) != 0) {
        report(status_fd, 16, errno);
        _exit(0);
    }
    pid_t cmd = fork();
    if (cmd < 0) {
        report(status_fd, 15, errno);
        _exit(0);
    }
    if (cmd == 0) {
        close(status_fd);
        sbx_exec_command(spec, out_fd, true);
    }
    close(out_fd);
    int status = 0;
    for (;;) {
        int s;
        pid_t w = waitpid(-1, &s, __WALL);
        if (w == cmd) {
            status = s;
            break;
        }
        if (w < 0 && errno != EINTR)
            break;
    }
    /* The command is done: nothing it started may outlive it. */
    kill(-1, SIGKILL);
    while (waitpid(-1, NULL, __WALL) > 0 || errno == EINTR)
        ;
    report(status_fd, 0, status);
    _exit(0);
}

/* ---- in the parent -------------------------------------------------------- */

static int write_proc(pid_t pid, const char *file, const char *text)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/%s", (long)pid, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    int e = errno;
    close(fd);
    errno = e;
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

int sbx_ns_start(const sbx_spec *spec, int out_fd, sbx_ns_run *run)
{
    int go[2], st[2];
    if (pipe2(go, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(st, O_CLOEXEC) != 0) {
        close(go[0]);
        close(go[1]);
        return -1;
    }
    /* A raw clone behaves like fork and gives us PID 1 of the new namespace. */
    pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)(NS_FLAGS | SIGCHLD), NULL, NULL, NULL, 0);
    if (pid == 0) {
        close(go[1]);
        close(st[0]);
        init_main(spec, out_fd, go[0], st[1]);
    }
    int e = errno;
    close(go[0]);
    close(st[1]);
    if (pid < 0) {
        close(go[1]);
        close(st[0]);
        errno = e;
        return -1;
    }
    run->init_pid = pid;
    run->go_fd = go[1];
    run->status_fd = st[0];
    return 0;
}

int sbx_ns_release(sbx_ns_run *run)
{
    char map[64];
    int rc = 0;
    /* As root, root inside is root outside (for init's setup only: see
     * init_main); the command's uid is always the unprivileged one. */
    bool root = geteuid() == 0;
    snprintf(map, sizeof map, "%s%d %ld 1\n", root ? "0 0 1\n" : "", SBX_INSIDE_ID,
             (long)sbx_outside_uid());
    if (write_proc(run->init_pid, "uid_map", map) != 0)
        rc = -1;
    if (geteuid() != 0 && write_proc(run->init_pid, "setgroups", "deny") != 0)
        rc = -1;
    snprintf(map, sizeof map, "%s%d %ld 1\n", root ? "0 0 1\n" : "", SBX_INSIDE_ID,
             (long)sbx_outside_gid());
    if (rc == 0 && write_proc(run->init_pid, "gid_map", map) != 0)
        rc = -1;
    if (rc == 0 && write(run->go_fd, "g", 1) != 1)
        rc = -1;
    close(run->go_fd);
    run->go_fd = -1;
    return rc;
}

/* Reads init's report: 1 with the command's status, 0 when setup failed
 * (*step, *err set), -1 when init said nothing (it was killed). */
int sbx_ns_report(sbx_ns_run *run, int *status, int *step, int *err)
{
    init_report r;
    ssize_t n;
    while ((n = read(run->status_fd, &r, sizeof r)) < 0 && errno == EINTR)
        ;
    close(run->status_fd);
    run->status_fd = -1;
    if (n != (ssize_t)sizeof r)
        return -1;
    if (r.setup_step) {
        *step = r.setup_step;
        *err = r.value;
        return 0;
    }
    *status = r.value;
    return 1;
}
