/*
 * _rsqemu: the QEMU user-mode plugin of the qemu meter (see meter/qemu.py).
 *
 * Loaded by qemu-x86_64 -plugin _rsqemu.so,dir=<count dir>,mode=tb|insn around the
 * metering template. It counts every guest instruction QEMU executes, with an inline add
 * per translation block (mode=tb: the block's instruction count, added when the block is
 * entered) or per instruction (mode=insn), into one counter of the process. The count of a
 * run is the counter's growth between the region's open and close markers (_rsmarker.h),
 * which only _rsmeter.run issues. A forked run inherits the counter, and its own markers
 * take the difference, so each run's count starts from zero whatever the template did.
 *
 * Markers, each accepted once per process and in order:
 *   seal   (before arming) install the run's seccomp filter on the host process, every
 *          thread of it (QEMU refuses a guest's filter), set the run's RLIMIT_AS on the host
 *          (QEMU ignores a guest's memory limits), and reserve a descriptor for the count
 *          file; _rsmeter.run checks that the filter is in place before it arms
 *   open   the count starts
 *   close  the count stops
 *   exit   the count is written and the process ends (see on_syscall: it skips QEMU's
 *          exit path)
 * At the run's end (the exit marker, or QEMU's atexit callback from exit_group), a closed
 * count is written to <dir>/qemu.<pid> as "summary: <n>": the directory _rsmeter made
 * afresh after the close, as callgrind's file is written into it at exit. A process killed
 * by a signal writes nothing, like callgrind. At install (in the template) the plugin makes
 * the process a child subreaper, which QEMU 7.2 refuses to do for the guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "_qemu_plugin_api.h"
#include "_rsmarker.h"
#include "_rsseccomp.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

static uint64_t counter;  /* the inline adds' target: every guest instruction of this process */
static int per_insn;
static char count_dir[1024];
static int sealed, opened, closed, reserved = -1;
static uint64_t nonce, base, total;

/* A second guest thread: from then on every block is counted by a callback's atomic add.
 * QEMU runs each guest thread on a host thread of its own, in parallel, and the inline add
 * is a plain load, add and store: two threads in C code that releases the GIL (zlib, hashlib)
 * lost each other's counts, up to half of them, and no two runs agreed. The callback costs a
 * single-threaded run ~3.4x the time of the inline add, so a run pays it only once it starts
 * a thread: its translations are flushed then (qemu_plugin_reset) and made again with it. */
static int threaded;
static qemu_plugin_id_t plugin_id;

static void on_tb_exec(unsigned int vcpu, void *n) {
    (void)vcpu;
    __atomic_fetch_add(&counter, (uint64_t)(uintptr_t)n, __ATOMIC_RELAXED);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    if (__atomic_load_n(&threaded, __ATOMIC_ACQUIRE)) {
        qemu_plugin_register_vcpu_tb_exec_cb(tb, on_tb_exec, QEMU_PLUGIN_CB_NO_REGS, (void *)(uintptr_t)n);
        return;
    }
    if (!per_insn) {
        qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &counter, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        qemu_plugin_register_vcpu_insn_exec_inline(qemu_plugin_tb_get_insn(tb, i), QEMU_PLUGIN_INLINE_ADD_U64,
                                                   &counter, 1);
}

static void write_count(void);

static void register_callbacks(qemu_plugin_id_t id);

static void on_syscall(qemu_plugin_id_t id, unsigned int vcpu, int64_t num, uint64_t a1, uint64_t a2, uint64_t a3,
                       uint64_t a4, uint64_t a5, uint64_t a6, uint64_t a7, uint64_t a8) {
    (void)id; (void)vcpu; (void)a5; (void)a6; (void)a7; (void)a8;
    if ((num == SYS_clone && (a1 & 0x00010000u /* CLONE_THREAD */)) || num == SYS_clone3) {
        /* before the new thread runs a block of its own: the flush waits for every vCPU to stop */
        if (!__atomic_exchange_n(&threaded, 1, __ATOMIC_ACQ_REL))
            qemu_plugin_reset(plugin_id, register_callbacks);
        return;
    }
    if (num != RS_MARK_NR || a1 != RS_MARK_MAGIC)
        return;
    if (a2 == RS_MARK_SEAL && !sealed) {
        sealed = 1;
        nonce = a3;
        reserved = open("/dev/null", O_RDONLY | O_CLOEXEC);  /* the count file's descriptor, kept free */
        if (a4 != 0) {
            struct rlimit lim = {(rlim_t)a4, (rlim_t)a4};
            if (setrlimit(RLIMIT_AS, &lim) != 0)
                return;  /* no filter either: the run's check refuses to arm */
        }
        rs_install_seccomp(1);
    } else if (a2 == RS_MARK_OPEN && sealed && !opened && a3 == nonce) {
        opened = 1;
        base = counter;
    } else if (a2 == RS_MARK_CLOSE && opened && !closed && a3 == nonce) {
        total = counter - base;
        closed = 1;
    } else if (a2 == RS_MARK_EXIT && sealed && a3 == nonce) {
        /* The run's end (_rsmeter's FINISH): QEMU's own exit path flushes every translation
         * (~20 ms a run: the template's warm blocks included) and there is nothing of the
         * process to clean up, so the count is written and the process ends here. */
        write_count();
        _exit((int)(a4 & 0xff));
    }
}

static void on_process_exit(qemu_plugin_id_t id, void *data) {
    (void)id; (void)data;
    write_count();
}

static void write_count(void) {
    static int written;
    if (count_dir[0] == 0 || written)
        return;
    char path[1100], text[64];
    snprintf(path, sizeof(path), "%s/qemu.%d", count_dir, (int)getpid());
    if (!closed) {
        /* A run that ends with its count open (an exit or a fatal signal before the native
         * tail) has no count; whatever the candidate planted at the count's path before it
         * left (the tail would have moved it aside) must not be read as one. */
        if (sealed) {
            chmod(count_dir, 0700);
            unlink(path);
        }
        return;
    }
    written = 1;
    if (reserved >= 0)
        close(reserved);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        /* Something is there already: put there after the native tail made the directory
         * afresh (a system call of the candidate's still in flight without the GIL). It is
         * not the count: remove it, so that there is none. */
        if (errno == EEXIST) {
            chmod(count_dir, 0700);
            unlink(path);
        }
        return;
    }
    int n = snprintf(text, sizeof(text), "summary: %llu\n", (unsigned long long)total);
    if (write(fd, text, (size_t)n) != n)
        (void)ftruncate(fd, 0);  /* a partial count is no count */
    close(fd);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv) {
    if (info->system_emulation)
        return -1;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "dir=", 4) == 0)
            snprintf(count_dir, sizeof(count_dir), "%s", argv[i] + 4);
        else if (strcmp(argv[i], "mode=insn") == 0)
            per_insn = 1;
        else if (strcmp(argv[i], "mode=tb") != 0)
            return -1;
    }
    /* the template adopts orphans (see harness.template); QEMU refuses the guest's prctl */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
        return -1;
    plugin_id = id;
    register_callbacks(id);
    return 0;
}

static void register_callbacks(qemu_plugin_id_t id) {
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_vcpu_syscall_cb(id, on_syscall);
    qemu_plugin_register_atexit_cb(id, on_process_exit, NULL);
}
