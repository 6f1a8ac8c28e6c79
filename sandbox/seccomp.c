/* seccomp.c - the system-call filter of test runs (libseccomp).
 *
 * Default allow; denied with EPERM: debugging other processes (ptrace,
 * process_vm_*), mounts and namespaces (mount, unshare, setns, clone with a
 * CLONE_NEW* flag), kernel keyrings, bpf, io_uring, perf_event_open, module
 * and kexec calls; socket families other than AF_UNIX/AF_INET/AF_INET6;
 * kill(-1). clone3 answers ENOSYS so glibc falls back to clone, whose flags
 * the filter can see. Other architectures' system calls kill the process.
 * The filter is built once in the parent and only loaded in the child.
 */
#include "internal.h"

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <sys/socket.h>

#ifdef HAVE_SECCOMP
#include <seccomp.h>

static scmp_filter_ctx filter;
static int prepared; /* 0: not yet, 1: ready, -1: failed */

static int deny(int nr, int err)
{
    return seccomp_rule_add(filter, SCMP_ACT_ERRNO(err), nr, 0);
}

static int build(void)
{
    filter = seccomp_init(SCMP_ACT_ALLOW);
    if (!filter)
        return -1;
    int rc = seccomp_attr_set(filter, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    static const int denied[] = {
        SCMP_SYS(ptrace), SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev),
        SCMP_SYS(mount), SCMP_SYS(umount2), SCMP_SYS(pivot_root), SCMP_SYS(chroot),
        SCMP_SYS(unshare), SCMP_SYS(setns), SCMP_SYS(keyctl), SCMP_SYS(add_key),
        SCMP_SYS(request_key), SCMP_SYS(bpf), SCMP_SYS(io_uring_setup),
        SCMP_SYS(io_uring_enter), SCMP_SYS(io_uring_register), SCMP_SYS(perf_event_open),
        SCMP_SYS(init_module), SCMP_SYS(finit_module), SCMP_SYS(delete_module),
        SCMP_SYS(kexec_load), SCMP_SYS(kexec_file_load), SCMP_SYS(reboot), SCMP_SYS(swapon),
        SCMP_SYS(swapoff), SCMP_SYS(acct), SCMP_SYS(quotactl), SCMP_SYS(userfaultfd),
        SCMP_SYS(open_by_handle_at), SCMP_SYS(name_to_handle_at), SCMP_SYS(fanotify_init),
        SCMP_SYS(move_mount), SCMP_SYS(open_tree), SCMP_SYS(fsopen), SCMP_SYS(fsmount),
        SCMP_SYS(fsconfig), SCMP_SYS(fspick), SCMP_SYS(mount_setattr), SCMP_SYS(kcmp),
        SCMP_SYS(lookup_dcookie), SCMP_SYS(vhangup), SCMP_SYS(pidfd_getfd),
    };
    for (size_t i = 0; rc == 0 && i < sizeof denied / sizeof denied[0]; i++)
        rc = deny(denied[i], EPERM);
    if (rc == 0)
        rc = deny(SCMP_SYS(clone3), ENOSYS);
    return rc;
}

/* A clone with any CLONE_NEW* flag: one rule per flag (rules are ORed). */
static int clone_rules(void)
{
    static const unsigned long flags[] = { CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWPID,
                                           CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS,
                                           CLONE_NEWCGROUP };
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof flags / sizeof flags[0]; i++)
        rc = seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                              SCMP_A0(SCMP_CMP_MASKED_EQ, flags[i], flags[i]));
    return rc;
}

static int socket_rules(void)
{
    /* Allowed families: everything else gets EAFNOSUPPORT. */
    int rc = 0;
    static const int syscalls[] = { SCMP_SYS(socket), SCMP_SYS(socketpair) };
    for (size_t s = 0; rc == 0 && s < 2; s++) {
        rc = seccomp_rule_add(filter, SCMP_ACT_ERRNO(EAFNOSUPPORT), syscalls[s], 1,
                              SCMP_A0(SCMP_CMP_GT, AF_INET6, 0));
        if (rc == 0)
            rc = seccomp_rule_add(filter, SCMP_ACT_ERRNO(EAFNOSUPPORT), syscalls[s], 1,
                                  SCMP_A0(SCMP_CMP_LT, AF_UNIX, 0));
        /* AF_UNIX=1, AF_INET=2, AF_INET6=10: deny 3..9 */
        for (int fam = AF_INET + 1; rc == 0 && fam < AF_INET6; fam++)
            rc = seccomp_rule_add(filter, SCMP_ACT_ERRNO(EAFNOSUPPORT), syscalls[s], 1,
                                  SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)fam, 0));
    }
    return rc;
}

static int other_rules(void)
{
    /* kill(-1, ...) reaches every process the user may signal. personality()
     * stays allowed: ThreadSanitizer may re-exec itself with ADDR_NO_RANDOMIZE. */
    return seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(kill), 1,
                            SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, 0xffffffffu));
}

int sbx_seccomp_prepare(void)
{
    if (prepared)
        return prepared > 0 ? 0 : -1;
    int rc = build();
    if (rc == 0)
        rc = clone_rules();
    if (rc == 0)
        rc = socket_rules();
    if (rc == 0)
        rc = other_rules();
    if (rc != 0) {
        if (filter)
            seccomp_release(filter);
        filter = NULL;
        prepared = -1;
        return -1;
    }
    prepared = 1;
    return 0;
}

int sbx_seccomp_load(void)
{
    return filter && seccomp_load(filter) == 0 ? 0 : -1;
}

bool sbx_seccomp_available(void)
{
    return sbx_seccomp_prepare() == 0;
}

#else

int sbx_seccomp_prepare(void) { return -1; }
int sbx_seccomp_load(void) { return -1; }
bool sbx_seccomp_available(void) { return false; }

#endif
