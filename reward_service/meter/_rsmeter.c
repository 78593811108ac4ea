/*
 * _rsmeter: the native helper inside the sandbox: the meter's client requests, and the
 * sandbox policy (an audit hook in C, at the end of this file).
 *
 * Runs inside the sandbox. The template calls quiet() once (zero the counters, stop
 * collecting); each forked run calls start() exactly once, just before the candidate's
 * code, and stop() exactly once, after its outputs are copied out, so the count covers
 * the candidate's module, its calls and the copies, and nothing of interpreter start-up
 * or input decoding. Further calls are refused (a candidate that stops the count early
 * makes the harness's own stop() fail), and the flags are inherited by forked children.
 * Outside valgrind the client requests are no-ops. Under QEMU user mode (the qemu meter)
 * the region is marked instead by marker system calls that the counting plugin (_rsqemu.c)
 * sees (_rsmarker.h); the run's seccomp filter (_rsseccomp.h) is then installed by the
 * plugin on the host process, since QEMU refuses a guest's.
 *
 * The hardware-counter path (perf_event_open) is used by the zygote, never by the
 * measured process: the counter is opened for the child's pid from the parent, so the
 * candidate holds no descriptor it could disable or read.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#include <valgrind/valgrind.h>
#include <valgrind/callgrind.h>

static int quieted = 0;
static int started = 0;

/* quiet(): in the template, once: zero every counter and stop collecting in this thread.
 * Forked runs inherit a zero, non-collecting state, so no run pays for zeroing (which
 * walks every cost centre: ~35 ms under callgrind). */
static PyObject *rs_quiet(PyObject *self, PyObject *noargs) {
    if (quieted || started) {
        PyErr_SetString(PyExc_PermissionError, "the meter was already set up in this process");
        return NULL;
    }
    quieted = 1;
    CALLGRIND_ZERO_STATS;
    CALLGRIND_TOGGLE_COLLECT;
    Py_RETURN_NONE;
}

static inline int plain_scalar(PyObject *o) {
    PyTypeObject *t = Py_TYPE(o);
    if (t == &PyLong_Type || o == Py_None || t == &PyUnicode_Type)  /* the usual ones first, and cheaply */
        return 1;
    return t == &PyFloat_Type || t == &PyBool_Type || t == &PyBytes_Type || t == &PyComplex_Type;
}

/* is_plain(obj): True for an exact list, tuple, set or frozenset holding only exact
 * immutable scalars. Runs no Python code (no __iter__, __hash__ or __eq__ of anything),
 * at a few instructions an item (the template's warm-up uses it; runs use freeze()). */
static PyObject *rs_is_plain(PyObject *self, PyObject *obj) {
    if (PyList_CheckExact(obj) || PyTuple_CheckExact(obj)) {
        Py_ssize_t n = PySequence_Fast_GET_SIZE(obj);
        PyObject **items = PySequence_Fast_ITEMS(obj);
        for (Py_ssize_t i = 0; i < n; i++)
            if (!plain_scalar(items[i]))
                Py_RETURN_FALSE;
        Py_RETURN_TRUE;
    }
    if (PySet_CheckExact(obj) || PyFrozenSet_CheckExact(obj)) {
        Py_ssize_t pos = 0;
        PyObject *key;
        Py_hash_t hash;
        while (_PySet_NextEntry(obj, &pos, &key, &hash))
            if (!plain_scalar(key))
                Py_RETURN_FALSE;
        Py_RETURN_TRUE;
    }
    Py_RETURN_FALSE;
}

static PyObject *rs_on_valgrind(PyObject *self, PyObject *noargs) {
    return PyLong_FromLong((long)RUNNING_ON_VALGRIND);
}

static PyObject *rs_set_subreaper(PyObject *self, PyObject *noargs) {
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
        return PyErr_SetFromErrno(PyExc_OSError);
    Py_RETURN_NONE;
}

static PyObject *rs_set_undumpable(PyObject *self, PyObject *noargs) {
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        return PyErr_SetFromErrno(PyExc_OSError);
    Py_RETURN_NONE;
}

/* perf_open(pid) -> fd: user-space retired instructions of pid and its future children,
 * created disabled. */
static PyObject *rs_perf_open(PyObject *self, PyObject *args) {
    int pid;
    if (!PyArg_ParseTuple(args, "i", &pid))
        return NULL;
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.size = sizeof(attr);
    attr.type = PERF_TYPE_HARDWARE;
    attr.config = PERF_COUNT_HW_INSTRUCTIONS;
    attr.disabled = 1;
    attr.inherit = 1;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    long fd = syscall(SYS_perf_event_open, &attr, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd < 0)
        return PyErr_SetFromErrno(PyExc_OSError);
    return PyLong_FromLong(fd);
}

static PyObject *rs_perf_enable(PyObject *self, PyObject *args) {
    int fd;
    if (!PyArg_ParseTuple(args, "i", &fd))
        return NULL;
    if (ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) != 0)
        return PyErr_SetFromErrno(PyExc_OSError);
    Py_RETURN_NONE;
}

static PyObject *rs_perf_read(PyObject *self, PyObject *args) {
    int fd;
    if (!PyArg_ParseTuple(args, "i", &fd))
        return NULL;
    unsigned long long value = 0;
    ssize_t n = read(fd, &value, sizeof(value));
    if (n != (ssize_t)sizeof(value))
        return PyErr_SetFromErrno(PyExc_OSError);
    return PyLong_FromUnsignedLongLong(value);
}


/* ------------------------------------------------------------------ the template's loop
 *
 * fork_runs(trig_r, resp_w, perf, keep, pidns): the template's whole loop, in C.
 * Per byte read from trig_r it forks one run and reports on resp_w, a socket (protocol.STATUS
 * records: the pid, then how the run ended); it returns only in a forked run, with the
 * run's descriptors (arming pipe: read end, write end; result pipe: write end; perf
 * handshake: ready write end, go read end, or -1), and ends the process when trig_r closes.
 *
 * Every pipe a run holds is made for it alone, just before its fork: the result pipe's read
 * end travels to the zygote with the run's first record (SCM_RIGHTS). A pipe shared by every
 * run (one open file description, one inode) was state each run could change for the next:
 * its flags (O_NONBLOCK: the next run's frame failed, and with it the reference's, so a
 * problem turned invalid and its rewards null), its size, and its mode and times (64 bits a
 * run through os.utime: a cache of answers).
 *
 * Why native: every run is forked from the template's heap, and a run's allocations (the
 * candidate's included) land where that heap's free lists say. A loop in Python keeps the
 * last run's pid, wait status and usage alive as objects, and frees and allocates others,
 * so the heap at each fork depended on the runs before it (a pid past 256 is an object,
 * below it a cached small int): the counts of programs whose work depends on addresses
 * (id()-ordered sets) moved with the run's position in the zygote's life. This loop
 * touches no Python object between forks: every run starts from the same heap.
 *
 * After a run: every process it left is killed (in a PID namespace of our own, every one
 * but `keep`; else the run's process group) and reaped (the template is a subreaper).
 * perf: the hardware-counter handshake (perf meter), on two more pipes of the run's own.
 */
#include <sys/socket.h>
#include <dirent.h>
#include <endian.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/wait.h>

static int write_all(int fd, const char *buf, Py_ssize_t n);

/* The run's token: random bytes the template draws before each fork and reports to the
 * zygote with the run's pid. The run's native tail puts them in its result frame, and the
 * zygote reads no other frame. They are never a Python object in the run, and the run
 * cannot read its own memory (it is not dumpable: no /proc/self/mem; no ptrace, no
 * process_vm_readv; no native code), so a candidate cannot write a frame of its own and
 * leave before the tail: that frame would skip every check the region makes after the
 * candidate's calls (EvalPlus's per-test time limit, in unmetered runs). */
#define RS_TOKEN_SIZE 16
static unsigned char run_token[RS_TOKEN_SIZE];

static int read_byte(int fd, char *c) {
    for (;;) {
        ssize_t n = read(fd, c, 1);
        if (n >= 0 || errno != EINTR)
            return (int)n;
    }
}

static void put32(unsigned char **p, int32_t v) {
    uint32_t be = htobe32((uint32_t)v);
    memcpy(*p, &be, 4);
    *p += 4;
}

static void put64(unsigned char **p, int64_t v) {
    uint64_t be = htobe64((uint64_t)v);
    memcpy(*p, &be, 8);
    *p += 8;
}

static void putd(unsigned char **p, double d) {
    int64_t v;
    memcpy(&v, &d, 8);
    put64(p, v);
}

/* Sends one byte-record with a descriptor attached (SCM_RIGHTS), then the rest of it. */
static int send_with_fd(int sock, const unsigned char *buf, size_t n, int passfd) {
    char control[CMSG_SPACE(sizeof(int))];
    memset(control, 0, sizeof(control));
    struct iovec iov = {(void *)buf, n};
    struct msghdr msg;
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &passfd, sizeof(int));
    ssize_t sent;
    do
        sent = sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (sent < 0 && errno == EINTR);
    if (sent <= 0)
        return -1;
    return write_all(sock, (const char *)buf + sent, (Py_ssize_t)(n - (size_t)sent));
}

/* one STATUS record (">iiddqqqqi"), written whole, with passfd attached when >= 0; a
 * template that cannot report ends */
static void report(int fd, int pid, int status, double utime, double stime, long long maxrss, long long left,
                   long long count, long long err, int armed, int passfd) {
    unsigned char rec[4 + 4 + 8 + 8 + 8 + 8 + 8 + 8 + 4], *p = rec;
    put32(&p, pid);
    put32(&p, status);
    putd(&p, utime);
    putd(&p, stime);
    put64(&p, maxrss);
    put64(&p, left);
    put64(&p, count);
    put64(&p, err);
    put32(&p, armed);
    if ((passfd >= 0 ? send_with_fd(fd, rec, sizeof(rec), passfd) : write_all(fd, (const char *)rec, (Py_ssize_t)sizeof(rec))) != 0)
        _exit(0);
}

static int no_children(void) {
    siginfo_t info;
    memset(&info, 0, sizeof(info));
    return waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 && errno == ECHILD;
}

static long long kill_leftovers(pid_t child, const pid_t *keep, Py_ssize_t nkeep, int pidns) {
    long long killed = 0;
    if (pidns) {
        if (no_children())
            return 0;
        DIR *proc = opendir("/proc");
        struct dirent *entry;
        while (proc != NULL && (entry = readdir(proc)) != NULL) {
            char *end;
            long pid = strtol(entry->d_name, &end, 10);
            if (*entry->d_name == '\0' || *end != '\0' || pid <= 0)
                continue;
            int kept = 0;
            for (Py_ssize_t i = 0; i < nkeep; i++)
                kept |= keep[i] == (pid_t)pid;
            if (!kept && kill((pid_t)pid, SIGKILL) == 0)
                killed++;
        }
        if (proc != NULL)
            closedir(proc);
    } else if (killpg(child, SIGKILL) == 0) {
        killed = 1;
    }
    for (;;) {
        pid_t got = waitpid(-1, NULL, killed ? 0 : WNOHANG);
        if (got == 0 || (got < 0 && errno != EINTR))
            break;
    }
    return killed;
}

static PyObject *rs_fork_runs(PyObject *self, PyObject *args) {
    (void)self;
    int trig_r, resp_w, perf, pidns;
    PyObject *keep_list;
    if (!PyArg_ParseTuple(args, "iipO!p", &trig_r, &resp_w, &perf, &PyList_Type, &keep_list, &pidns))
        return NULL;
    Py_ssize_t nkeep = PyList_GET_SIZE(keep_list);
    if (nkeep > 64) {
        PyErr_SetString(PyExc_ValueError, "keep: at most 64 pids");
        return NULL;
    }
    pid_t keep[64];
    for (Py_ssize_t i = 0; i < nkeep; i++) {
        long v = PyLong_AsLong(PyList_GET_ITEM(keep_list, i));
        if (v == -1 && PyErr_Occurred())
            return NULL;
        keep[i] = (pid_t)v;
    }
    for (;;) {
        char c;
        if (read_byte(trig_r, &c) != 1)
            _exit(0);
        int arm[2], res[2], ready[2] = {-1, -1}, go[2] = {-1, -1};
        if (pipe2(arm, O_CLOEXEC) != 0 || pipe2(res, O_CLOEXEC) != 0)
            _exit(0);
        if (perf && (pipe2(ready, O_CLOEXEC) != 0 || pipe2(go, O_CLOEXEC) != 0))
            _exit(0);
        if (getrandom(run_token, RS_TOKEN_SIZE, 0) != RS_TOKEN_SIZE)
            _exit(0);
        PyOS_BeforeFork();
        pid_t pid = fork();
        if (pid == 0) {
            PyOS_AfterFork_Child();
            close(res[0]);
            if (perf) {
                close(ready[0]);
                close(go[1]);
            }
            return Py_BuildValue("(iiiii)", arm[0], arm[1], res[1], ready[1], go[0]);
        }
        PyOS_AfterFork_Parent();
        close(arm[1]);
        close(res[1]);
        if (perf) {
            close(ready[1]);
            close(go[0]);
        }
        if (pid < 0)  /* the zygote sees the template end: the host replaces it and runs again */
            _exit(1);
        report(resp_w, pid, 0, 0.0, 0.0, 0, 0, -1, 0, 0, res[0]);
        close(res[0]);
        if (write_all(resp_w, (const char *)run_token, RS_TOKEN_SIZE) != 0)
            _exit(0);
        memset(run_token, 0, RS_TOKEN_SIZE);
        int counter = -1;
        long long count = -1, err = 0;
        if (perf) {
            if (read_byte(ready[0], &c) == 1 && c == 'R') {
                struct perf_event_attr attr;
                memset(&attr, 0, sizeof(attr));
                attr.size = sizeof(attr);
                attr.type = PERF_TYPE_HARDWARE;
                attr.config = PERF_COUNT_HW_INSTRUCTIONS;
                attr.disabled = 1;
                attr.inherit = 1;
                attr.exclude_kernel = 1;
                attr.exclude_hv = 1;
                counter = (int)syscall(SYS_perf_event_open, &attr, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
                if (counter < 0 || ioctl(counter, PERF_EVENT_IOC_ENABLE, 0) != 0)
                    err = errno ? errno : -1;
            }
            if (write_all(go[1], "G", 1) != 0 && errno != EPIPE)
                _exit(0);
            close(ready[0]);
            close(go[1]);
        }
        int status = 0;
        struct rusage ru;
        memset(&ru, 0, sizeof(ru));
        while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
            ;
        long long left = kill_leftovers(pid, keep, nkeep, pidns);
        int armed = read_byte(arm[0], &c) == 1 && c == 'A';  /* every writer is gone: one byte, or EOF */
        close(arm[0]);
        if (counter >= 0) {
            unsigned long long value = 0;
            if (!err && read(counter, &value, sizeof(value)) == (ssize_t)sizeof(value))
                count = (long long)value;
            else if (!err)
                err = errno ? errno : -1;
            close(counter);
        }
        report(resp_w, pid, status, ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
               ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss, left, count, err, armed, -1);
    }
}

/* ------------------------------------------------------------------ sandbox policy
 *
 * The rules a run lives by, as an audit hook written in C (PEP 578). A hook written in
 * Python can be neutered by the code it polices: its module globals, its closure cells,
 * the builtins and the standard-library functions it calls (os.path.realpath) can all be
 * rebound by the candidate. This one holds no Python state and calls no Python code: its
 * rules are C constants and its paths are resolved with realpath(3).
 *
 * Refused: native code (ctypes, cffi, this helper, extension modules from outside the
 * interpreter's own tree), running programs, signalling other processes, touching the
 * meter's directory, other processes' /proc entries, writing outside the scratch
 * directory, opening directories outside it (a directory descriptor would let dir_fd
 * calls reach paths the hook never sees), and path arguments that are not plain str or
 * bytes (a path-like object could answer the hook and the system call differently).
 */
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <fcntl.h>

static PyObject *PolicyViolation = NULL;
static int policy_installed = 0;
static char scratch_prefix[PATH_MAX + 2];
static char meter_prefix[PATH_MAX + 2];
static char native_prefix[PATH_MAX + 2];

static const char *const denied_events[] = {
    "os.exec", "os.posix_spawn", "os.spawn", "os.system", "os.startfile", "subprocess.Popen",
    "os.kill", "os.killpg", "signal.pthread_kill", "sys.addaudithook", "os.fork_exec",
    "os.chroot", "os.setuid", "os.setgid", "os.setsid", "os.setpgid", "sys.remote_exec",
    "os.link", "os.symlink", "os.chown", "os.lchown", "os.chflags", "os.lchflags",
    "fcntl.ioctl", "os.mknod", "os.mkfifo", "os.setreuid", "os.setregid", "os.setresuid",
    "os.setresgid", "os.setgroups", "os.pidfd_open", "socket.sethostname", "mmap.__new__", "os.fork", "os.forkpty",
    NULL,
};
static const char *const denied_modules[] = {
    "ctypes", "_ctypes", "cffi", "_cffi_backend", "_rsmeter", "_posixsubprocess", NULL,
};
/* event name -> index of its path argument; writing events are marked 'w' */
static const struct { const char *event; int pos; char write; } path_events[] = {
    {"open", 0, 0}, {"os.listdir", 0, 0}, {"os.scandir", 0, 0}, {"os.walk", 0, 0},
    {"os.remove", 0, 'w'}, {"os.rename", 0, 'w'}, {"os.replace", 0, 'w'}, {"os.rmdir", 0, 'w'},
    {"os.mkdir", 0, 'w'}, {"os.chmod", 0, 'w'}, {"os.truncate", 0, 'w'}, {"os.utime", 0, 'w'},
    {"shutil.rmtree", 0, 'w'}, {"shutil.copyfile", 1, 'w'}, {"shutil.move", 1, 'w'},
    {NULL, 0, 0},
};
/* second path argument of two-path events (the destination is checked as a write too) */
static const struct { const char *event; int pos; } dest_events[] = {
    {"os.rename", 1}, {"os.replace", 1}, {NULL, 0},
};

static int refuse(const char *fmt, const char *what) {
    PyErr_Format(PolicyViolation, fmt, what);
    return -1;
}

static int in_dir(const char *path, const char *prefix) {
    /* prefix ends with '/'; path is inside it, or is the directory itself */
    size_t n = strlen(prefix);
    return strncmp(path, prefix, n) == 0 || (strlen(path) == n - 1 && strncmp(path, prefix, n - 1) == 0);
}

/* Resolve path like os.path.realpath: a missing last component is kept as written. */
static int resolve(const char *path, char *out) {
    if (realpath(path, out) != NULL)
        return 0;
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (slash == NULL) {
        strcpy(dir, ".");
    } else if (slash == path) {
        strcpy(dir, "/");
    } else {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof(dir))
            return -1;
        memcpy(dir, path, n);
        dir[n] = 0;
    }
    char parent[PATH_MAX];
    if (realpath(dir, parent) == NULL)
        return -1;
    if (strlen(parent) + strlen(base) + 2 > PATH_MAX)
        return -1;
    snprintf(out, PATH_MAX, "%s%s%s", parent, strcmp(parent, "/") == 0 ? "" : "/", base);
    return 0;
}

/* A path argument as bytes (str encoded like the os module does). 1: a descriptor (int);
 * 0: *out holds a new bytes object; -1: refused (exception set). */
static int path_arg(PyObject *arg, PyObject **out) {
    if (PyLong_Check(arg))
        return 1;
    if (PyUnicode_Check(arg)) {
        *out = PyUnicode_EncodeFSDefault(arg);
        return *out ? 0 : -1;
    }
    if (PyBytes_Check(arg)) {
        *out = PyBytes_FromStringAndSize(PyBytes_AS_STRING(arg), PyBytes_GET_SIZE(arg));
        return *out ? 0 : -1;
    }
    if (arg == Py_None)
        return 1;
    return refuse("sandbox policy: paths must be str or bytes, not %s", Py_TYPE(arg)->tp_name);
}

/* Whether a path has a ".." component. */
static int has_dotdot(const char *path) {
    for (const char *p = path; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return 1;
        p += n;
        while (*p == '/')
            p++;
    }
    return 0;
}

static int check_path(const char *event, PyObject *arg, int writing, int opening) {
    PyObject *raw = NULL;
    int kind = path_arg(arg, &raw);
    if (kind != 0)
        return kind < 0 ? -1 : 0;
    const char *path = PyBytes_AS_STRING(raw);
    if ((Py_ssize_t)strlen(path) != PyBytes_GET_SIZE(raw)) {  /* embedded NUL: the call fails anyway */
        Py_DECREF(raw);
        return 0;
    }
    if (path[0] != '/' && has_dotdot(path)) {
        /* The audit event does not carry a call's dir_fd: the hook resolves a relative path
         * against the working directory, the kernel against the descriptor. Without "..",
         * and with no symbolic links to make (os.symlink is refused) and no directory outside
         * the scratch directory to open, a path relative to any descriptor a run can hold
         * stays in the scratch directory; with "..", a run working in a/b/c reached
         * ../proc/1/stat from a descriptor of the scratch directory itself. */
        Py_DECREF(raw);
        return refuse("sandbox policy: relative paths through '..' are not allowed (%s)", event);
    }
    char real[PATH_MAX];
    int ok = resolve(path, real) == 0;
    Py_DECREF(raw);
    if (!ok) {
        if (writing)
            return refuse("sandbox policy: cannot resolve a path written by %s", event);
        return 0;  /* nothing there to read */
    }
    if (in_dir(real, meter_prefix))
        return refuse("sandbox policy: the meter's files are out of bounds (%s)", event);
    char proc_self_prefix[64];
    snprintf(proc_self_prefix, sizeof(proc_self_prefix), "/proc/%d/", (int)getpid());
    if (strncmp(real, "/proc/", 6) == 0 && !in_dir(real, proc_self_prefix))
        return refuse("sandbox policy: other processes are out of bounds (%s)", event);
    int in_scratch = in_dir(real, scratch_prefix);
    if (writing && !in_scratch && strcmp(real, "/dev/null") != 0)
        return refuse("sandbox policy: writing outside the scratch directory is not allowed (%s)", event);
    if (opening && !in_scratch) {
        struct stat st;
        if (stat(real, &st) == 0 && S_ISDIR(st.st_mode))
            return refuse("sandbox policy: opening a directory outside the scratch directory is not allowed (%s)",
                          event);
    }
    return 0;
}

static int top_level_denied(PyObject *name) {
    if (!PyUnicode_Check(name))
        return 0;
    const char *s = PyUnicode_AsUTF8(name);
    if (s == NULL) {
        PyErr_Clear();
        return 1;
    }
    size_t n = strcspn(s, ".");
    for (int i = 0; denied_modules[i]; i++)
        if (strlen(denied_modules[i]) == n && strncmp(s, denied_modules[i], n) == 0)
            return 1;
    return 0;
}

static int policy_hook(const char *event, PyObject *args, void *data) {
    (void)data;
    for (int i = 0; denied_events[i]; i++)
        if (strcmp(event, denied_events[i]) == 0)
            return refuse("sandbox policy: %s is not allowed", event);
    if (strncmp(event, "ctypes.", 7) == 0 || strncmp(event, "cffi", 4) == 0)
        return refuse("sandbox policy: %s is not allowed", event);
    if (!PyTuple_Check(args))
        return 0;
    Py_ssize_t nargs = PyTuple_GET_SIZE(args);
    if (strcmp(event, "socket.__new__") == 0) {
        /* (socket, family, type, proto): local sockets only. A TCP connection closed on the
         * sandbox's loopback stays in TIME_WAIT for a minute after the run, and which ports
         * are taken is state the next run reads (bind fails): a cache of answers. */
        PyObject *fam = nargs > 1 ? PyTuple_GET_ITEM(args, 1) : NULL;
        long family = fam != NULL && PyLong_Check(fam) ? PyLong_AsLong(fam) : -1;
        PyErr_Clear();
        if (family != AF_UNIX)
            return refuse("sandbox policy: %s", "sockets other than AF_UNIX are not allowed");
        return 0;
    }
    if (strcmp(event, "fcntl.fcntl") == 0) {
        /* (fd, cmd, arg): no descriptor may name another process as its owner (its SIGIO) */
        PyObject *cmd = nargs > 1 ? PyTuple_GET_ITEM(args, 1) : NULL;
        long c = cmd != NULL && PyLong_Check(cmd) ? PyLong_AsLong(cmd) : -1;
        PyErr_Clear();
        if (c == F_SETOWN || c == F_SETOWN_EX || c == F_SETSIG)
            return refuse("sandbox policy: %s", "setting a descriptor's owner or signal is not allowed");
        return 0;
    }
    if (strcmp(event, "import") == 0) {
        if (nargs > 0 && top_level_denied(PyTuple_GET_ITEM(args, 0)))
            return refuse("sandbox policy: importing %s is not allowed",
                          PyUnicode_Check(PyTuple_GET_ITEM(args, 0)) ? PyUnicode_AsUTF8(PyTuple_GET_ITEM(args, 0)) : "?");
        if (nargs > 1 && PyTuple_GET_ITEM(args, 1) != Py_None) {
            /* an extension module's file: only from the interpreter's own read-only tree */
            PyObject *raw = NULL;
            int kind = path_arg(PyTuple_GET_ITEM(args, 1), &raw);
            if (kind < 0)
                return -1;
            if (kind == 1)
                return refuse("sandbox policy: %s", "loading native code is not allowed");
            char real[PATH_MAX];
            int ok = resolve(PyBytes_AS_STRING(raw), real) == 0;
            Py_DECREF(raw);
            if (!ok || !in_dir(real, native_prefix))
                return refuse("sandbox policy: %s", "loading native code from outside the interpreter is not allowed");
        }
        return 0;
    }
    for (int i = 0; path_events[i].event; i++) {
        if (strcmp(event, path_events[i].event) != 0)
            continue;
        int pos = path_events[i].pos;
        if (nargs <= pos)
            return 0;
        int writing = path_events[i].write == 'w';
        int opening = strcmp(event, "open") == 0;
        if (opening && nargs > 1) {
            PyObject *mode = PyTuple_GET_ITEM(args, 1);
            if (PyUnicode_Check(mode)) {
                const char *m = PyUnicode_AsUTF8(mode);
                if (m == NULL || strpbrk(m, "wax+") != NULL)
                    writing = 1;
                PyErr_Clear();
            }
            if (nargs > 2 && PyLong_Check(PyTuple_GET_ITEM(args, 2))) {
                long flags = PyLong_AsLong(PyTuple_GET_ITEM(args, 2));
                if (flags == -1 && PyErr_Occurred()) {
                    PyErr_Clear();
                    writing = 1;
                } else if (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND)) {
                    writing = 1;
                }
            }
        }
        if (check_path(event, PyTuple_GET_ITEM(args, pos), writing, opening) < 0)
            return -1;
        for (int j = 0; dest_events[j].event; j++)
            if (strcmp(event, dest_events[j].event) == 0 && nargs > dest_events[j].pos
                && check_path(event, PyTuple_GET_ITEM(args, dest_events[j].pos), 1, 0) < 0)
                return -1;
        return 0;
    }
    return 0;
}

static int prefix_of(const char *dir, char *out) {
    char real[PATH_MAX];
    if (realpath(dir, real) == NULL)
        return -1;
    snprintf(out, PATH_MAX + 2, "%s%s", real, strcmp(real, "/") == 0 ? "" : "/");
    return 0;
}

/* Set the policy's directories; install the hook unless this is a dry run (warming). */
static int setup_policy(const char *scratch, const char *meter, const char *native, int dry) {
    if (prefix_of(scratch, scratch_prefix) < 0 || prefix_of(native, native_prefix) < 0) {
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    if (prefix_of(meter, meter_prefix) < 0)  /* absent (correctness-only sandboxes): keep the name */
        snprintf(meter_prefix, sizeof(meter_prefix), "%s/", meter);
    if (dry)
        return 0;
    if (PySys_AddAuditHook(policy_hook, NULL) < 0)
        return -1;
    policy_installed = 1;
    return 0;
}

/* install_policy(scratch, meter_dir, native_root): in a run, once, just before the
 * candidate. The hook cannot be removed, and a second call is refused. */
static PyObject *rs_install_policy(PyObject *self, PyObject *args) {
    (void)self;
    const char *scratch, *meter, *native;
    if (!PyArg_ParseTuple(args, "sss", &scratch, &meter, &native))
        return NULL;
    if (policy_installed) {
        PyErr_SetString(PolicyViolation, "sandbox policy: already installed");
        return NULL;
    }
    if (setup_policy(scratch, meter, native, 0) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------ warming the template
 *
 * Under valgrind every code path is translated on first use, and a translation made in a
 * run dies with it: each new block costs a run ~70 us (translation, and callgrind's
 * function lookup). warm_template() runs, once, in the template, the native paths every
 * run takes after the fork that the template itself would never take: Python's after-fork
 * re-initialisation (harmless in a single-threaded process: it re-creates the same locks),
 * the audit machinery with a hook present (a hook that does nothing), and the policy's
 * checks on sample events (the policy itself is not installed). Refused once the meter or
 * the policy has been set up, so a candidate cannot reach it.
 */
static int warmed = 0;

static int noop_hook(const char *event, PyObject *args, void *data) {
    (void)event; (void)args; (void)data;
    return 0;
}

static PyObject *rs_warm_template(PyObject *self, PyObject *args) {
    (void)self;
    const char *scratch, *meter, *native;
    PyObject *samples;
    if (!PyArg_ParseTuple(args, "sssO", &scratch, &meter, &native, &samples))
        return NULL;
    if (warmed || quieted || started || policy_installed) {
        PyErr_SetString(PyExc_PermissionError, "the template is already warm");
        return NULL;
    }
    if (!PyList_Check(samples)) {
        PyErr_SetString(PyExc_TypeError, "samples: a list of (event, args) tuples");
        return NULL;
    }
    warmed = 1;
    PyOS_AfterFork_Child();
    if (PySys_AddAuditHook(noop_hook, NULL) < 0)
        return NULL;
    if (setup_policy(scratch, meter, native, 1) < 0)
        return NULL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(samples); i++) {
        PyObject *item = PyList_GET_ITEM(samples, i);
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2 || !PyUnicode_Check(PyTuple_GET_ITEM(item, 0)))
            continue;
        const char *event = PyUnicode_AsUTF8(PyTuple_GET_ITEM(item, 0));
        if (event != NULL)
            policy_hook(event, PyTuple_GET_ITEM(item, 1), NULL);
        PyErr_Clear();
    }
    scratch_prefix[0] = meter_prefix[0] = native_prefix[0] = 0;
    Py_RETURN_NONE;
}


/* ------------------------------------------------------------------ the counted region
 *
 * run() is the only way a run's count is opened and closed, and it is called once: the
 * harness calls it after the sandbox policy is installed, and it refuses every later call
 * (a candidate that finds this module through sys.modules can only get an error). Inside:
 *
 *   arm        write one byte on the arming pipe and close it: from here on, whatever
 *              the zygote receives is the candidate's doing (see harness.py)
 *   prelude    the module's leading standard-library imports (runner.split_prelude):
 *              binding names of modules the template has imported, not the algorithm
 *   seal       the run's seccomp filter (under QEMU: installed by the plugin on the host)
 *   open       CALLGRIND_TOGGLE_COLLECT, or the QEMU plugin's open marker (metered runs)
 *   candidate  the module, the entry point on every input, the output encoder, and a
 *              snapshot of each output (marshal, or the plain-sequence copy); a failure's
 *              message (its __str__ is the candidate's code) is taken here too
 *   close      the garbage collector is switched off, then collection stops
 *   tail       the count directory is made afresh, one marshal frame is written to the
 *              result descriptor and the process ends with _exit()
 *
 * Nothing in the tail runs Python code: no finalizer (nothing is released, the collector
 * is off), no signal handler (they run only in the eval loop), no other thread (the GIL
 * is never released), no trace or profile hook (no Python call is made). So no work done
 * after the close is the candidate's, and nothing it planted can change the frame.
 */
#include "_rsseccomp.h"
#include "_rsmarker.h"
#include <stddef.h>
#include <sys/random.h>
#include <time.h>
#include <marshal.h>

static int ran = 0;

/* How a run is counted: metered is 0 (not counted), 1 (valgrind: client requests) or 2
 * (QEMU user mode: marker system calls to the counting plugin, _rsmarker.h). */
#define METER_CALLGRIND 1
#define METER_QEMU 2
static uint64_t mark_nonce;

static long mark(long op, unsigned long long arg) {
    return syscall(RS_MARK_NR, RS_MARK_MAGIC, op, mark_nonce, arg);
}

/* Seal the run: its seccomp filter (and under QEMU its address-space limit, which QEMU
 * does not apply for a guest). Under QEMU the plugin installs the filter on the host
 * process; the run checks that it did (personality(0xffffffff) only reads, and the filter
 * refuses it) and fails before arming if not. 0, or -1 with errno set. */
static int seal(int metered, unsigned long long mem_limit) {
    if (metered != METER_QEMU)
        return rs_install_seccomp(0);
    if (getrandom(&mark_nonce, sizeof(mark_nonce), 0) != (ssize_t)sizeof(mark_nonce))
        return -1;
    mark(RS_MARK_SEAL, mem_limit);
    errno = 0;
    if (syscall(SYS_personality, 0xffffffffUL) != -1 || errno != EPERM) {
        errno = ENOTSUP;
        return -1;
    }
    return 0;
}

/* The small-object allocator's state at the count's start, made the same whatever ran
 * before it (CPython's pymalloc: 16 KiB pools of one size class each, in 1 MiB arenas).
 * Two things make an allocation or a free cost more or less by what came before:
 *
 * - which pool a size class hands blocks out from: the first partly used one. A loop that
 *   allocates and frees a few objects an iteration costs ~12 instructions more each
 *   iteration when that pool has fewer free blocks than the loop holds at once (it fills,
 *   is unlinked, then is freed into and linked again). Adding "from itertools import
 *   accumulate" took 15,000 instructions (0.9%) off a 3,000 iteration loop;
 * - where that pool's arena lies: a free asks the radix tree whether the block is
 *   pymalloc's (address_in_range), and the answer takes fewer instructions for a block
 *   above the 1 MiB boundary its arena straddles than for one below it (the tree's
 *   "tail < lo || (tail >= hi && hi != 0)"). An arena is wherever mmap put it, which is
 *   not the same under QEMU as under callgrind: a few functions more in the template's
 *   wire module put a loop's pool on the other side under QEMU only, and the loop counted
 *   35,000 instructions (2.2%) more there than under callgrind; 30,000 pairs in a problem's
 *   input did it under both.
 *
 * So arenas are allocated 1 MiB-aligned (aligned_arena_alloc, installed when the module
 * loads, in the template): a free costs the same anywhere in them. And before the count,
 * for each size class, every partly used pool and every empty pool of an arena from before
 * that (one not aligned) is filled (the filler is never freed) until a block comes from an
 * empty pool of an aligned arena: a pool that had no block in use (its header's count of
 * used blocks is 1 with it: a block's offset in its pool says nothing, a partly used pool's
 * first block can be free). That pool is then filled too and all its blocks but that one
 * freed, highest address first: the count starts, in each class, from one pool with one
 * block in use and every other block on its free list in address order, carved or not
 * before (a reused pool keeps its old free list), whatever came before. The pools that
 * were partly used are full: a free into one during the count links it first, as it would
 * any full pool, but no longer depends on how full it was.
 *
 * The pool header is CPython's (3.8 to 3.13, unchanged), its geometry 64-bit CPython's
 * (16 KiB pools, 16-byte size classes up to 512 bytes); it is only read when the object
 * domain is pymalloc's own (no debug hooks, no tracemalloc, not PYTHONMALLOC=malloc), and
 * each block's header is checked to name the block's size class before it is used. */
#include <sys/mman.h>
#if PY_VERSION_HEX >= 0x03080000 && PY_VERSION_HEX < 0x030E0000 && SIZEOF_VOID_P == 8 && !defined(Py_GIL_DISABLED)
#define RS_POOL_SIZE ((uintptr_t)16 << 10)
#define RS_POOL_OVERHEAD ((size_t)48)
#define RS_ARENA_ALIGN ((uintptr_t)1 << 20)  /* pymalloc's arena size (64-bit, 3.10+), the radix tree's unit */
#define RS_FILL_MAX ((size_t)1 << 22)  /* blocks filled per class at most */
struct rs_pool_header {  /* CPython's struct pool_header (Objects/obmalloc.c) */
    union { void *padding; unsigned int count; } ref;  /* blocks in use */
    void *freeblock;
    struct rs_pool_header *nextpool, *prevpool;
    unsigned int arenaindex, szidx, nextoffset, maxnextoffset;
};
#define RS_POOL_OF(p) ((const struct rs_pool_header *)((uintptr_t)(p) & ~(RS_POOL_SIZE - 1)))

/* The arenas aligned_arena_alloc handed out and not yet back, by address (few: one per MiB of heap). */
static uintptr_t *aligned_arenas;
static size_t n_aligned_arenas, aligned_arenas_room;

static void *aligned_arena_alloc(void *ctx, size_t size) {
    (void)ctx;
    if (size == 0 || size > RS_ARENA_ALIGN)
        return NULL;  /* not pymalloc's arena: never asked for */
    if (n_aligned_arenas == aligned_arenas_room) {
        size_t room = aligned_arenas_room ? 2 * aligned_arenas_room : 64;
        uintptr_t *grown = realloc(aligned_arenas, room * sizeof(*grown));
        if (grown == NULL)
            return NULL;
        aligned_arenas = grown;
        aligned_arenas_room = room;
    }
    char *raw = mmap(NULL, size + RS_ARENA_ALIGN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) {  /* no room for the slack (the memory limit): an arena as CPython's own */
        raw = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return raw == MAP_FAILED ? NULL : raw;
    }
    uintptr_t start = ((uintptr_t)raw + RS_ARENA_ALIGN - 1) & ~(RS_ARENA_ALIGN - 1);
    uintptr_t end = (uintptr_t)raw + size + RS_ARENA_ALIGN;
    if (start > (uintptr_t)raw)
        munmap(raw, start - (uintptr_t)raw);
    if (end > start + size)
        munmap((void *)(start + size), end - (start + size));
    aligned_arenas[n_aligned_arenas++] = start;
    return (void *)start;
}

static void aligned_arena_free(void *ctx, void *ptr, size_t size) {
    (void)ctx;
    for (size_t i = 0; i < n_aligned_arenas; i++)
        if (aligned_arenas[i] == (uintptr_t)ptr) {
            aligned_arenas[i] = aligned_arenas[--n_aligned_arenas];
            break;
        }
    munmap(ptr, size);  /* as CPython's own: an arena from before as well */
}

/* whether PyObject_Malloc is pymalloc itself, nothing wrapped around it */
static int object_domain_is_pymalloc(void) {
    PyMemAllocatorEx obj, raw;
    PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &obj);
    PyMem_GetAllocator(PYMEM_DOMAIN_RAW, &raw);
    return obj.ctx == NULL && obj.malloc != raw.malloc;
}

static void align_arenas(void) {
    if (!object_domain_is_pymalloc())
        return;
    PyObjectArenaAllocator arena = {NULL, aligned_arena_alloc, aligned_arena_free};
    PyObject_SetArenaAllocator(&arena);
}

static int in_aligned_arena(const void *p) {
    uintptr_t start = (uintptr_t)p & ~(RS_ARENA_ALIGN - 1);
    for (size_t i = 0; i < n_aligned_arenas; i++)
        if (aligned_arenas[i] == start)
            return 1;
    return 0;
}

/* The first block of an empty pool of an aligned arena for blocks of size, every partly
 * used pool and every empty one of an older arena filled first; NULL if there is none. */
static void *fresh_block(size_t size) {
    for (size_t i = 0; i < RS_FILL_MAX; i++) {
        void *p = PyObject_Malloc(size);
        if (p == NULL)
            return NULL;
        const struct rs_pool_header *pool = RS_POOL_OF(p);
        if (pool->szidx != size / 16 - 1)
            return NULL;  /* not the geometry assumed: left as it is (and the filler) */
        if (pool->ref.count == 1 && in_aligned_arena(p))
            return p;
    }
    return NULL;
}

static int by_address(const void *a, const void *b) {
    uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;
    return (x > y) - (x < y);
}

static void fresh_pools(void) {
    if (!object_domain_is_pymalloc())
        return;
    /* the older arenas' empty pools filled with the largest blocks, the fewest */
    void *p = fresh_block(512);
    if (p == NULL)
        return;
    PyObject_Free(p);
    void *blocks[(RS_POOL_SIZE - RS_POOL_OVERHEAD) / 16];
    for (size_t size = 16; size <= 512; size += 16) {
        size_t capacity = (RS_POOL_SIZE - RS_POOL_OVERHEAD) / size;
        void *first = fresh_block(size);  /* kept, never freed */
        if (first == NULL)
            return;
        size_t n = 0;
        while (n < capacity - 1) {
            p = PyObject_Malloc(size);
            if (p == NULL)
                break;
            if (RS_POOL_OF(p) != RS_POOL_OF(first)) {  /* not the geometry assumed */
                PyObject_Free(p);
                break;
            }
            blocks[n++] = p;
        }
        /* the free list is last in, first out: freed highest first, handed out lowest first */
        qsort(blocks, n, sizeof(blocks[0]), by_address);
        while (n > 0)
            PyObject_Free(blocks[--n]);
    }
}
#else
static void align_arenas(void) {}
static void fresh_pools(void) {}
#endif

/* Open (on = 1) or close (on = 0) the count. */
static void count_switch(int metered, int on) {
    if (metered == METER_CALLGRIND)
        CALLGRIND_TOGGLE_COLLECT;
    else if (metered == METER_QEMU)
        mark(on ? RS_MARK_OPEN : RS_MARK_CLOSE, 0);
}

/* freeze(o): a copy of o that nothing can change later, for an exact list, tuple, set,
 * frozenset or dict holding exact immutable scalars or (to FREEZE_DEPTH) such containers,
 * as (shape, values): values, a list of the scalars in the order they occur; shape, bytes
 * that say where they go. Per item of a container, in order: "v" (the next value), or a
 * container: its kind ("L", "T", "S", "F", "D": a dict's keys and values alternate) and
 * its item count (4 bytes, little-endian) then its items; or a flat list or tuple ("l",
 * "t") and its count, whose items are the next count values; or, as the whole shape,
 * "r": the one value is a tuple of scalars. protocol._thaw rebuilds it.
 *
 * Runs no Python code: exact types only, C iteration, nothing released but scalars, and
 * the caller holds off the collector (a finalizer it ran would be the candidate's code,
 * free to change a container being copied). No object per container: ~150 instructions
 * a nested pair, ~10 an item of a flat list, where marshal takes ~130 a scalar. The
 * snapshot is counted (a candidate cannot defer work to it), so its cost is a floor
 * under every count of a problem with large outputs. Shared items are copied each time
 * they occur, as marshal (version 2) writes them: what the tail encodes later is what
 * was paid for here. The values list holds no cycle and is kept out of the collector's
 * sight (gc.get_objects() does not hand it to the candidate). Past FREEZE_DEPTH or
 * FREEZE_MAX an output is not freezable (marshal's way, then). */
#define FREEZE_DEPTH 64
#define FREEZE_MAX ((size_t)1 << 28)  /* scalars or shape bytes: past it, marshal's way (and its limits) */
static const char frozen_kinds[] = "LTSFDlt";

struct frozen {
    unsigned char *shape;
    size_t len, cap;
    PyObject **values;  /* new references; becomes the values list's own array */
    size_t n, vcap;
};

/* Room for `bytes` more shape bytes and `values` more values, the slow way: the buffers
 * grow (never past FREEZE_MAX). 0; 1: past FREEZE_MAX; -1: out of memory (MemoryError). */
static int frozen_grow(struct frozen *z, size_t bytes, size_t values) {
    if (z->len + bytes > FREEZE_MAX || z->n + values > FREEZE_MAX)
        return 1;
    if (z->len + bytes > z->cap) {
        size_t cap = Py_MIN(2 * (z->len + bytes) + 4096, FREEZE_MAX);
        unsigned char *grown = PyMem_Realloc(z->shape, cap);
        if (grown == NULL)
            goto nomem;
        z->shape = grown;
        z->cap = cap;
    }
    if (z->n + values > z->vcap) {
        size_t cap = Py_MIN(2 * (z->n + values) + 512, FREEZE_MAX);
        PyObject **grown = PyMem_Realloc(z->values, cap * sizeof(PyObject *));
        if (grown == NULL)
            goto nomem;
        z->values = grown;
        z->vcap = cap;
    }
    return 0;
nomem:
    PyErr_NoMemory();
    return -1;
}

/* Room for `bytes` more shape bytes and `values` more values (as frozen_grow). */
static inline int frozen_reserve(struct frozen *z, size_t bytes, size_t values) {
    if (z->len + bytes <= z->cap && z->n + values <= z->vcap)
        return 0;
    return frozen_grow(z, bytes, values);
}

static void frozen_head(struct frozen *z, char kind, Py_ssize_t n) {
    unsigned char *p = z->shape + z->len;
    p[0] = (unsigned char)kind;
    for (int i = 0; i < 4; i++)
        p[1 + i] = (unsigned char)((uint32_t)n >> (8 * i));
    z->len += 5;
}

static int freeze_container(struct frozen *z, PyObject *o, int depth);

/* One item of a container whose items have room reserved (`left` of them, this one
 * included): a scalar is written at once; a container is frozen, then room is
 * reserved again for the items after it. 0, 1 or -1 as freeze_container. */
static inline int freeze_item(struct frozen *z, PyObject *item, int depth, size_t left) {
    if (plain_scalar(item)) {
        z->shape[z->len++] = 'v';
        Py_INCREF(item);
        z->values[z->n++] = item;
        return 0;
    }
    int r = freeze_container(z, item, depth + 1);
    return r ? r : frozen_reserve(z, left - 1, left - 1);
}

/* 0: frozen; 1: not freezable (no exception); -1: out of memory (exception set) */
static int freeze_container(struct frozen *z, PyObject *o, int depth) {
    PyTypeObject *t = Py_TYPE(o);
    int kind = t == &PyList_Type ? 0 : t == &PyTuple_Type ? 1 : t == &PySet_Type ? 2 : t == &PyFrozenSet_Type ? 3
             : t == &PyDict_Type ? 4 : -1;
    if (kind < 0 || depth >= FREEZE_DEPTH)
        return 1;
    Py_ssize_t n = kind < 2 ? PySequence_Fast_GET_SIZE(o) : kind < 4 ? PySet_GET_SIZE(o) : 2 * PyDict_GET_SIZE(o);
    if ((size_t)n > FREEZE_MAX)
        return 1;
    int r = frozen_reserve(z, 5 + (size_t)n, (size_t)n);
    if (r != 0)
        return r;
    if (kind < 2) {  /* runs of scalars are copied at once, between the containers */
        PyObject **items = PySequence_Fast_ITEMS(o);
        Py_ssize_t i = 0, j = 0;
        while (j < n && plain_scalar(items[j]))
            j++;
        if (j == n && depth == 0 && kind == 1) {  /* a tuple of scalars at the top: itself */
            z->shape[z->len++] = 'r';
            Py_INCREF(o);
            z->values[z->n++] = o;
            return 0;
        }
        frozen_head(z, j == n ? (kind ? 't' : 'l') : frozen_kinds[kind], n);
        int is_flat = j == n;
        for (;;) {
            PyObject **out = z->values + z->n;
            for (Py_ssize_t k = i; k < j; k++) {
                Py_INCREF(items[k]);
                out[k - i] = items[k];
            }
            z->n += (size_t)(j - i);
            if (!is_flat)  /* runs are short between containers: no call to memset */
                for (Py_ssize_t k = i; k < j; k++)
                    z->shape[z->len++] = 'v';
            if (j == n)
                return 0;
            size_t rest = (size_t)(n - j - 1);
            PyObject *c = items[j];
            Py_ssize_t m = (PyTuple_CheckExact(c) || PyList_CheckExact(c)) && depth + 1 < FREEZE_DEPTH
                         ? PySequence_Fast_GET_SIZE(c) : -1;
            PyObject **citems = m >= 0 ? PySequence_Fast_ITEMS(c) : NULL;
            Py_ssize_t k = 0;
            while (k < m && plain_scalar(citems[k]))
                k++;
            if (k == m && (size_t)m <= FREEZE_MAX) {  /* a flat list or tuple (a row, a pair): here, not by a call */
                if ((r = frozen_reserve(z, 5 + rest, (size_t)m + rest)) != 0)
                    return r;
                frozen_head(z, PyTuple_CheckExact(c) ? 't' : 'l', m);
                PyObject **cout = z->values + z->n;
                for (k = 0; k < m; k++) {
                    Py_INCREF(citems[k]);
                    cout[k] = citems[k];
                }
                z->n += (size_t)m;
            } else if ((r = freeze_container(z, c, depth + 1)) != 0 || (r = frozen_reserve(z, rest, rest)) != 0) {
                return r;
            }
            i = j = j + 1;
            while (j < n && plain_scalar(items[j]))
                j++;
        }
    }
    frozen_head(z, frozen_kinds[kind], n);
    Py_ssize_t pos = 0, i = 0;
    if (kind < 4) {
        PyObject *key;
        Py_hash_t hash;
        while (r == 0 && _PySet_NextEntry(o, &pos, &key, &hash))
            r = freeze_item(z, key, depth, (size_t)(n - i++));
    } else {
        PyObject *key, *value;
        while (r == 0 && PyDict_Next(o, &pos, &key, &value))
            if ((r = freeze_item(z, key, depth, (size_t)(n - i++))) == 0)
                r = freeze_item(z, value, depth, (size_t)(n - i++));
    }
    return r;
}

/* ("Z", (shape, values)); NULL without an exception: not freezable; NULL with one. An
 * exact tuple of scalars at the top is its own copy: shape "r", values [the tuple] (only
 * at the top: shared deeper, the tail would encode it once per occurrence, unpaid). */
static PyObject *freeze(PyObject *o) {
    struct frozen z = {NULL, 0, 0, NULL, 0, 0};
    PyObject *snap = NULL, *shape = NULL, *values = NULL;
    if (freeze_container(&z, o, 0) == 0 && (shape = PyBytes_FromStringAndSize((const char *)z.shape, (Py_ssize_t)z.len))
        && (values = PyList_New(0))) {
        PyObject_GC_UnTrack(values);
        PyListObject *list = (PyListObject *)values;  /* the references move: the list owns the array */
        list->ob_item = z.values;
        list->allocated = (Py_ssize_t)z.vcap;
        Py_SET_SIZE(list, (Py_ssize_t)z.n);
        z.values = NULL;
        z.n = 0;
        snap = Py_BuildValue("(s(NN))", "Z", shape, values);
        shape = values = NULL;
    }
    Py_XDECREF(shape);
    for (size_t i = 0; i < z.n; i++)  /* scalars (or a tuple of them): releasing them runs no code */
        Py_DECREF(z.values[i]);
    PyMem_Free(z.values);
    PyMem_Free(z.shape);
    return snap;
}

/* A snapshot of one output that nothing can change later: ("V", scalar), ("Z", (shape,
 * values)) for what freeze() takes, ("M", marshal bytes) for what marshal takes (it refuses
 * every subclass, so no candidate code runs in it), else ("J", dumps(value)), encoded by
 * the harness's wire module. NULL with an exception set. */
static PyObject *json_snapshot(PyObject *value, PyObject *dumps) {
    PyObject *text = PyObject_CallOneArg(dumps, value);
    if (text == NULL)
        return NULL;
    if (!PyUnicode_CheckExact(text)) {
        Py_DECREF(text);
        PyErr_SetString(PyExc_TypeError, "output encoder returned no text");
        return NULL;
    }
    return Py_BuildValue("(sN)", "J", text);
}

static PyObject *snapshot(PyObject *value, PyObject *dumps, int metered) {
    if (!metered)  /* no count to protect: wire JSON at once (huge sequences become digests) */
        return json_snapshot(value, dumps);
    if (plain_scalar(value))
        return Py_BuildValue("(sO)", "V", value);
    int collecting = PyGC_Disable();
    PyObject *frozen = freeze(value);
    if (collecting)
        PyGC_Enable();
    if (frozen != NULL)
        return frozen;
    if (PyErr_Occurred())
        return NULL;
    PyObject *data = PyMarshal_WriteObjectToString(value, 2);
    if (data != NULL)
        return Py_BuildValue("(sN)", "M", data);
    if (!PyErr_ExceptionMatches(PyExc_ValueError))
        return NULL;
    PyErr_Clear();
    return json_snapshot(value, dumps);
}

static int write_all(int fd, const char *buf, Py_ssize_t n) {
    while (n > 0) {
        ssize_t w = write(fd, buf, (size_t)n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += w;
        n -= w;
    }
    return 0;
}

/* Make the count directory afresh (after the close): whatever is at its path (the
 * candidate could have put a file, a link or a forged count there) is moved aside under a
 * random name, and an empty directory takes its place. Only callgrind writes there after
 * this, at the process's exit. 0, or -1 if the place could not be made. */
static int fresh_count_dir(const char *dir) {
    if (dir == NULL || dir[0] == 0)
        return 0;
    unsigned char noise[8];
    if (getrandom(noise, sizeof(noise), 0) != (ssize_t)sizeof(noise))
        return -1;
    char aside[PATH_MAX];
    snprintf(aside, sizeof(aside), "%s.old-%02x%02x%02x%02x%02x%02x%02x%02x", dir, noise[0], noise[1], noise[2],
             noise[3], noise[4], noise[5], noise[6], noise[7]);
    char parent[PATH_MAX];
    snprintf(parent, sizeof(parent), "%s", dir);
    char *slash = strrchr(parent, '/');
    if (slash != NULL && slash != parent) {  /* the scratch directory: the run may have locked it */
        *slash = 0;
        chmod(parent, 0700);
    }
    if (rename(dir, aside) != 0 && errno != ENOENT)
        return -1;
    return mkdir(dir, 0700);
}

/* run(code, ns, owner, method, calls, encoder, dumps, result_fd, arm_fd, metered, count_dir
 *     [, prelude, mem_limit])
 *   code: the candidate's compiled module; ns: its globals (a dict); owner: the name of
 *   the entry function, or of its class when method is a str; calls: a list of
 *   (args tuple, kwargs dict); encoder: the problem's trusted output encoder or None;
 *   dumps: the wire encoder for outputs marshal refuses; metered: 0, 1 (callgrind) or
 *   2 (qemu); mem_limit: the run's RLIMIT_AS, which under QEMU the plugin sets on the
 *   host (0: none); call_limits: None, or (unmetered runs only) one CPU limit in seconds
 *   per call, EvalPlus's per-input rule: a call past its limit ends the run as a timeout
 *   at that call (checked when it returns; RLIMIT_CPU, lowered to the call's end for its
 *   duration, stops one that does not return). A limit <= 0 only times the call. The
 *   frame carries each call's CPU seconds when call_limits is given. Never returns. */
/* The end of a region: the process ends (a dry run, warming the template, returns). */
#define FINISH(code)                                                                            \
    do {                                                                                        \
        if (dry) {                                                                              \
            PyGC_Enable();                                                                      \
            if (code) {                                                                         \
                PyErr_Format(PyExc_RuntimeError, "dry run failed (%d)", (code));               \
                return NULL;                                                                    \
            }                                                                                   \
            Py_RETURN_NONE;                                                                     \
        }                                                                                       \
        if (metered == METER_QEMU)                                                              \
            mark(RS_MARK_EXIT, (unsigned long long)(code));                                     \
        _exit(code);                                                                            \
    } while (0)

/* CPU seconds of the whole process (every thread), as RLIMIT_CPU counts them */
static double process_cpu_s(void) {
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        return 0.0;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static PyObject *region(PyObject *args, int dry) {
    PyObject *code, *ns, *owner_name, *method, *calls, *encoder, *dumps, *prelude = Py_None, *call_limits = Py_None;
    int result_fd, arm_fd, metered;
    unsigned long long mem_limit = 0;
    const char *count_dir;
    if (!PyArg_ParseTuple(args, "OO!UOO!OOiiiz|OKO", &code, &PyDict_Type, &ns, &owner_name, &method, &PyList_Type,
                          &calls, &encoder, &dumps, &result_fd, &arm_fd, &metered, &count_dir, &prelude, &mem_limit,
                          &call_limits))
        return NULL;
    if (metered < 0 || metered > METER_QEMU) {
        PyErr_SetString(PyExc_ValueError, "metered: 0, 1 (callgrind) or 2 (qemu)");
        return NULL;
    }
    /* code: a code object, the exception compiling it raised (the candidate's error), or its
     * source, compiled after arming (the zygote did not compile it in its time) */
    if (!PyCode_Check(code) && !PyExceptionInstance_Check(code) && !PyUnicode_CheckExact(code)) {
        PyErr_SetString(PyExc_TypeError, "code: a code object");
        return NULL;
    }
    Py_ssize_t ncalls = PyList_GET_SIZE(calls);
    int timed = call_limits != Py_None;
    if (timed && (metered || !PyList_CheckExact(call_limits) || PyList_GET_SIZE(call_limits) != ncalls)) {
        PyErr_SetString(PyExc_ValueError, "call_limits: None, or one float per call in an unmetered run");
        return NULL;
    }
    /* copied: the list itself is reachable through gc.get_objects(), so the candidate could change it */
    double *limit_s = timed ? PyMem_Calloc((size_t)ncalls + 1, sizeof(double)) : NULL;
    if (timed && limit_s == NULL)
        return PyErr_NoMemory();
    for (Py_ssize_t i = 0; timed && i < ncalls; i++) {
        limit_s[i] = PyFloat_AsDouble(PyList_GET_ITEM(call_limits, i));
        if (limit_s[i] == -1.0 && PyErr_Occurred()) {
            PyMem_Free(limit_s);
            return NULL;
        }
    }
    PyObject *times = PyList_New(0);  /* each call's CPU seconds (empty unless timed) */
    if (times == NULL)
        return NULL;
    PyObject_GC_UnTrack(times);  /* gc.get_objects() does not hand it to the candidate */
    struct rlimit run_cpu;  /* the run's own CPU limit, put back after each call */
    if (timed && getrlimit(RLIMIT_CPU, &run_cpu) != 0)
        return PyErr_SetFromErrno(PyExc_OSError);
    int call_timed_out = 0;
    for (Py_ssize_t i = 0; i < ncalls; i++) {
        PyObject *c = PyList_GET_ITEM(calls, i);
        if (!PyTuple_CheckExact(c) || PyTuple_GET_SIZE(c) != 2 || !PyTuple_CheckExact(PyTuple_GET_ITEM(c, 0))
            || !PyDict_CheckExact(PyTuple_GET_ITEM(c, 1))) {
            PyErr_SetString(PyExc_TypeError, "calls: (tuple, dict) pairs");
            return NULL;
        }
    }
    /* The calls as they are now, in a tuple of our own: the list is reachable through
     * gc.get_objects(), and a candidate that emptied it, or put an int or a list where a
     * call was, had this loop read freed memory or a list's item array as an arguments
     * tuple (a crash, or objects of the candidate's making, inside the harness). */
    PyObject *own_calls = PyList_AsTuple(calls);
    if (own_calls == NULL)
        return NULL;
    PyObject_GC_UnTrack(own_calls);  /* nor this one: it is never released either */
    PyObject *results = PyList_New(0);  /* filled by appending, never NULL slots */
    if (results == NULL)
        return NULL;
    PyObject_GC_UnTrack(results);  /* gc.get_objects() does not hand it to the candidate */
    Py_INCREF(calls);  /* never released: the candidate may have planted finalizers in them */
    if (!dry && seal(metered, mem_limit) != 0)
        return PyErr_SetFromErrno(PyExc_OSError);
    /* armed: from here on nothing goes back to Python, and every outcome is the candidate's */
    if (!dry && arm_fd >= 0) {
        if (write_all(arm_fd, "A", 1) != 0)
            _exit(5);
        close(arm_fd);
    }
    const char *status = "ok";
    PyObject *exc_name = Py_None, *message = Py_None;
    Py_ssize_t done = 0;
    /* a source the zygote did not compile: compiled here, not counted, within the run's limits */
    PyObject *source_error = NULL;
    if (PyUnicode_CheckExact(code)) {
        PyObject *filename = PyUnicode_FromString("<candidate>");
        const char *text = filename ? PyUnicode_AsUTF8(code) : NULL;
        PyCompilerFlags flags = _PyCompilerFlags_INIT;  /* dont_inherit: the candidate's own future flags only */
        PyObject *compiled = text ? Py_CompileStringObject(text, filename, Py_file_input, &flags, -1) : NULL;
        if (compiled != NULL) {
            code = compiled;
        } else {
            PyObject *type, *tb;
            PyErr_Fetch(&type, &source_error, &tb);
            PyErr_NormalizeException(&type, &source_error, &tb);
            if (source_error == NULL)
                FINISH(6);
        }
    }
    /* the prelude: the module's leading standard-library imports (see runner.split_prelude) */
    int prelude_ok = 1;
    if (PyCode_Check(prelude)) {
        PyObject *done_prelude = PyEval_EvalCode(prelude, ns, ns);
        prelude_ok = done_prelude != NULL;
    }
    if (!dry)
        fresh_pools();
    if (metered && !dry)
        count_switch(metered, 1);
    /* ---- counted from here */
    PyObject *fn = NULL;
    PyObject *module = NULL;
    if (!prelude_ok)
        ;  /* its exception is the run's */
    else if (source_error != NULL)
        PyErr_SetObject((PyObject *)Py_TYPE(source_error), source_error);
    else if (PyCode_Check(code))
        module = PyEval_EvalCode(code, ns, ns);
    else
        PyErr_SetObject((PyObject *)Py_TYPE(code), code);
    if (module != NULL) {
        PyObject *owner = PyDict_GetItemWithError(ns, owner_name);
        if (owner == NULL && !PyErr_Occurred())
            PyErr_Format(PyExc_NameError, "name %R is not defined", owner_name);
        if (owner != NULL) {
            Py_INCREF(owner);
            if (PyUnicode_Check(method)) {
                PyObject *instance = PyObject_CallNoArgs(owner);
                fn = instance ? PyObject_GetAttr(instance, method) : NULL;
            } else {
                fn = owner;
            }
        }
    }
    for (; fn != NULL && done < ncalls; done++) {
        PyObject *c = PyTuple_GET_ITEM(own_calls, done);
        double started = 0.0;
        int lowered = 0;
        if (timed) {
            started = process_cpu_s();
            if (limit_s[done] > 0 && run_cpu.rlim_cur != RLIM_INFINITY) {
                rlim_t end = (rlim_t)(started + limit_s[done]) + 1;  /* whole seconds: stops it within 1 s */
                if (end < run_cpu.rlim_cur) {
                    struct rlimit lim = {end, run_cpu.rlim_max};
                    lowered = setrlimit(RLIMIT_CPU, &lim) == 0;
                }
            }
        }
        PyObject *value = PyObject_Call(fn, PyTuple_GET_ITEM(c, 0), PyTuple_GET_ITEM(c, 1));
        /* The output's encoding and snapshot are the test's time too: both can run the
         * candidate's code (an int subclass's __int__, a node's properties under the problem's
         * encoder), and work deferred there had escaped the test's limit (a timeout passed). */
        if (value != NULL && encoder != Py_None)
            value = PyObject_CallOneArg(encoder, value);
        PyObject *snap = value ? snapshot(value, dumps, metered) : NULL;
        if (timed) {
            double took = process_cpu_s() - started;
            if (lowered)
                (void)setrlimit(RLIMIT_CPU, &run_cpu);
            PyObject *t = PyFloat_FromDouble(took);
            if (t == NULL || PyList_Append(times, t) != 0) {
                Py_XDECREF(snap);
                break;
            }
            if (limit_s[done] > 0 && took > limit_s[done]) {  /* past its limit, whatever it returned */
                Py_XDECREF(snap);
                PyErr_Clear();
                call_timed_out = 1;
                break;
            }
        }
        if (snap == NULL)
            break;
        if (PyList_Append(results, snap) != 0)
            break;
        /* A metered run never releases an output (its finalizer would run); the others drop
         * each one once encoded, so a suite of large outputs stays small. */
        if (!metered)
            Py_DECREF(value);
    }
    if (call_timed_out) {
        status = "timeout";
        exc_name = PyUnicode_FromString("TimeoutError");
        message = PyUnicode_FromFormat("call %zd took more than its CPU limit", done);
        if (exc_name == NULL || message == NULL)
            FINISH(6);
    } else if (PyErr_Occurred()) {
        PyObject *type, *exc, *tb;
        PyErr_Fetch(&type, &exc, &tb);
        PyErr_NormalizeException(&type, &exc, &tb);
        if (exc == NULL)
            FINISH(6);
        status = "error";
        if (PyErr_GivenExceptionMatches(exc, PyExc_MemoryError)) {
            status = "memory";
        } else if (PyErr_GivenExceptionMatches(exc, PyExc_OSError)) {
            PyObject *no = PyObject_GetAttrString(exc, "errno");  /* a property may be the candidate's */
            long e = (no && PyLong_Check(no)) ? PyLong_AsLong(no) : -1;
            if (e == EFBIG || e == ENOSPC)
                status = "output";
        }
        PyErr_Clear();
        exc_name = PyUnicode_FromString(Py_TYPE(exc)->tp_name);
        PyObject *text = PyObject_Str(exc);  /* the candidate's __str__: still counted */
        if (text != NULL && PyUnicode_Check(text) && PyUnicode_GET_LENGTH(text) > 200)
            text = PyUnicode_Substring(text, 0, 200);
        message = (text != NULL && PyUnicode_Check(text)) ? text : PyUnicode_FromString("");
        PyErr_Clear();
        if (exc_name == NULL || message == NULL)
            FINISH(6);
    }
    PyGC_Disable();
    /* ---- counted until here */
    if (metered && !dry)
        count_switch(metered, 0);
    int blocked = metered && fresh_count_dir(count_dir) != 0;
    PyObject *index = strcmp(status, "ok") == 0 ? Py_None : PyLong_FromSsize_t(done);
    PyObject *frame = Py_BuildValue("(sOOOOiO)", status, strcmp(status, "ok") == 0 ? results : Py_None, exc_name,
                                    message, index ? index : Py_None, blocked, times);
    PyMem_Free(limit_s);
    PyObject *data = frame ? PyMarshal_WriteObjectToString(frame, 2) : NULL;
    if (data == NULL)
        FINISH(7);
    Py_ssize_t n = PyBytes_GET_SIZE(data);
    Py_ssize_t size = n + 1 + RS_TOKEN_SIZE;  /* 'C', the run's token, the marshal data */
    unsigned char head[5 + RS_TOKEN_SIZE] = {(unsigned char)(size >> 24), (unsigned char)(size >> 16),
                                             (unsigned char)(size >> 8), (unsigned char)size, 'C'};
    memcpy(head + 5, run_token, RS_TOKEN_SIZE);
    if (size > 0x7fffffff || write_all(result_fd, (const char *)head, (Py_ssize_t)sizeof(head)) != 0
        || write_all(result_fd, PyBytes_AS_STRING(data), n) != 0)
        FINISH(3);
    FINISH(0);
}

static PyObject *rs_run(PyObject *self, PyObject *args) {
    (void)self;
    if (ran) {
        PyErr_SetString(PolicyViolation, "sandbox policy: the run was already started");
        return NULL;
    }
    ran = 1;
    return region(args, 0);
}

/* warm_region(same arguments as run): in the template, once, before quiet(): the region's
 * native paths on a harmless sample, without seccomp, arming, counting or exiting. Under
 * valgrind each path is translated on first use, and paths translated in a run die with
 * it: the template's are inherited by every run. Refused once the template is quiet. */
static int region_warmed = 0;

static PyObject *rs_warm_region(PyObject *self, PyObject *args) {
    (void)self;
    if (region_warmed || quieted || ran || policy_installed) {
        PyErr_SetString(PyExc_PermissionError, "the template is already warm");
        return NULL;
    }
    region_warmed = 1;
    return region(args, 1);
}

static PyMethodDef methods[] = {
    {"quiet", rs_quiet, METH_NOARGS, "Template, once: zero the counters and stop collecting."},
    {"is_plain", rs_is_plain, METH_O, "Exact list/tuple/set of exact immutable scalars?"},
    {"run", rs_run, METH_VARARGS, "Run, once: the candidate in the counted region; never returns."},
    {"warm_region", rs_warm_region, METH_VARARGS, "Template, once: the region's paths, dry."},
    {"on_valgrind", rs_on_valgrind, METH_NOARGS, "Nonzero when running under valgrind."},
    {"set_subreaper", rs_set_subreaper, METH_NOARGS, "Adopt orphaned descendants."},
    {"set_undumpable", rs_set_undumpable, METH_NOARGS, "Forbid ptrace and /proc/pid/mem access."},
    {"perf_open", rs_perf_open, METH_VARARGS, "Open a disabled, inherited instruction counter on pid."},
    {"perf_enable", rs_perf_enable, METH_VARARGS, "Enable a counter."},
    {"perf_read", rs_perf_read, METH_VARARGS, "Read a counter's value."},
    {"fork_runs", rs_fork_runs, METH_VARARGS, "Template: fork one run per trigger byte; returns in each run."},
    {"warm_template", rs_warm_template, METH_VARARGS, "Template, once: run the native paths of a run."},
    {"install_policy", rs_install_policy, METH_VARARGS, "Run, once: install the sandbox's audit hook."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_rsmeter", NULL, -1, methods};

PyMODINIT_FUNC PyInit__rsmeter(void) {
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    PolicyViolation = PyErr_NewExceptionWithDoc("_rsmeter.PolicyViolation",
                                                "The candidate did something the sandbox forbids.",
                                                PyExc_PermissionError, NULL);
    if (PolicyViolation == NULL || PyModule_AddObjectRef(m, "PolicyViolation", PolicyViolation) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    align_arenas();  /* every arena from here on (see fresh_pools) */
    return m;
}
