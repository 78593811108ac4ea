/*
 * The run's seccomp filter, one definition for both places it is installed:
 *
 *   _rsmeter.c   natively and under valgrind: by the run itself, in the counted region,
 *                just before arming (valgrind passes the filter to the kernel);
 *   _rsqemu.c    under QEMU user mode: QEMU refuses a guest's PR_SET_SECCOMP (EINVAL: a
 *                guest filter would refuse the system calls QEMU itself needs), so the
 *                counting plugin installs this filter on the host process, where it
 *                applies to the real system calls QEMU makes for the guest, at the same
 *                point of the run (the region's "seal" marker, before arming).
 */
#ifndef RS_SECCOMP_H
#define RS_SECCOMP_H

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

/* The system calls a run may not make, whatever it runs (the filter is inherited by every
 * thread and cannot be removed). Process creation is refused so that every instruction of
 * a run happens in the one process whose count is read: a process killed by a signal (an
 * rlimit, say) writes no count, so work hidden in a child could never be accounted for.
 * The rest are ways to reach other processes, the kernel's shared state (System V and
 * POSIX message IPC survive a run in the sandbox's IPC namespace), new namespaces, or
 * memory outside the run's limits (memfd), or its own scheduling (priority, policy, CPUs).
 * tkill stays allowed: valgrind signals its own threads with it (a thread blocked in a
 * system call would otherwise hang the run's exit); only native code could aim it
 * elsewhere, and the policy refuses native code. */
#define DENY(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM)
/* allowed only when argument 0 is this process (or 0, "myself", where self0 is set) */
#define SELF_ONLY(nr, self, self0)                                                             \
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 5),                                           \
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),                 \
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (self), 2, 0),                                        \
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (self0) ? 0u : (self), 1, 0),                           \
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),                                       \
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

/* Linux's numbers (asm-generic), which glibc names only with _GNU_SOURCE */
#ifndef F_SETSIG
#define F_SETSIG 10
#endif
#ifndef F_SETOWN_EX
#define F_SETOWN_EX 15
#endif

#if defined(__x86_64__)
#define RS_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define RS_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

static int rs_install_seccomp(int all_threads) {
#ifndef RS_AUDIT_ARCH
    errno = ENOSYS;
    return -1;
#else
    unsigned self = (unsigned)getpid();
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, RS_AUDIT_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#if defined(__x86_64__)
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1),  /* the x32 ABI */
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        DENY(SYS_fork), DENY(SYS_vfork),
#endif
        /* clone: threads only (CLONE_THREAD); clone3 cannot be inspected: ENOSYS makes libc
         * fall back to clone */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 4),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x00010000u /* CLONE_THREAD */, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
#ifdef SYS_clone3
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
#endif
        DENY(SYS_execve), DENY(SYS_execveat), DENY(SYS_ptrace), DENY(SYS_process_vm_readv),
        DENY(SYS_process_vm_writev), DENY(SYS_perf_event_open), DENY(SYS_bpf), DENY(SYS_userfaultfd),
        DENY(SYS_io_uring_setup), DENY(SYS_io_uring_enter), DENY(SYS_io_uring_register),
        DENY(SYS_keyctl), DENY(SYS_add_key), DENY(SYS_request_key), DENY(SYS_unshare), DENY(SYS_setns),
        DENY(SYS_mount), DENY(SYS_umount2), DENY(SYS_pivot_root), DENY(SYS_chroot), DENY(SYS_personality),
        DENY(SYS_shmget), DENY(SYS_shmat), DENY(SYS_shmctl), DENY(SYS_semget), DENY(SYS_semop),
        DENY(SYS_semctl), DENY(SYS_msgget), DENY(SYS_msgsnd), DENY(SYS_msgrcv), DENY(SYS_msgctl),
        DENY(SYS_mq_open), DENY(SYS_mq_unlink), DENY(SYS_kcmp), DENY(SYS_name_to_handle_at),
        DENY(SYS_open_by_handle_at), DENY(SYS_pidfd_open), DENY(SYS_pidfd_send_signal),
        DENY(SYS_pidfd_getfd), DENY(SYS_setpgid), DENY(SYS_setsid),
        DENY(SYS_fanotify_init), DENY(SYS_move_mount), DENY(SYS_open_tree), DENY(SYS_fsopen),
        /* memory no limit of the run counts: a memfd's pages are not in its address space
         * (RLIMIT_AS), only each file's size is limited (RLIMIT_FSIZE): 64 of them held 8 GiB */
        DENY(SYS_memfd_create),
#ifdef SYS_memfd_secret
        DENY(SYS_memfd_secret),
#endif
        /* the run's own scheduling: a run that made itself SCHED_IDLE or nice 19 on a busy
         * machine gets almost no CPU while runnable, and the wall watch would call its endless
         * loop the machine's overload (a null reward, masked) instead of its CPU limit (0.0) */
        DENY(SYS_setpriority), DENY(SYS_sched_setscheduler), DENY(SYS_sched_setparam),
        DENY(SYS_sched_setaffinity), DENY(SYS_ioprio_set),
#ifdef SYS_sched_setattr
        DENY(SYS_sched_setattr),
#endif
        /* a descriptor's owner, who gets its SIGIO (or F_SETSIG's signal) when I/O is ready:
         * any process of the sandbox's user. A run that made the template the owner of a
         * pipe it wrote to killed it (SIGIO's default action), a crash of the zygote's that
         * turned the candidate's wrong answer into a SandboxError (reward null) */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_fcntl, 0, 6),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_SETOWN, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_SETOWN_EX, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_SETSIG, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        SELF_ONLY(SYS_kill, self, 0),
        SELF_ONLY(SYS_tgkill, self, 0),
        SELF_ONLY(SYS_rt_sigqueueinfo, self, 0),
        SELF_ONLY(SYS_rt_tgsigqueueinfo, self, 0),
        SELF_ONLY(SYS_prlimit64, self, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {(unsigned short)(sizeof(filter) / sizeof(filter[0])), filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    /* all_threads: the QEMU plugin's case, where the host process may already have helper
     * threads (QEMU's RCU thread): the filter is put on every one of them at once */
    if (all_threads)
        return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
#endif
}

#endif
