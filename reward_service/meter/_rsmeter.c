/*
 * _rsmeter: the smallest possible native piece of the meter.
 *
 * Runs inside the sandbox. The template calls quiet() once (zero the counters, stop
 * collecting); each forked run calls start() exactly once, just before the candidate's
 * code, so the count covers the candidate's module, its calls and the encoding of its
 * outputs, and nothing of interpreter start-up or input decoding. Further calls (a
 * candidate trying to stop the count) are refused, and the flags are inherited by forked
 * children. Outside valgrind the client requests are no-ops.
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

/* start(): in a run, once, just before the candidate: collect from here on. Threads the
 * candidate starts collect from their start (--collect-atstart=yes), forked children
 * inherit the collecting state. A second call would switch collection off: refused. */
static PyObject *rs_start(PyObject *self, PyObject *noargs) {
    if (started || !quieted) {
        PyErr_SetString(PyExc_PermissionError, "the meter was already started in this process");
        return NULL;
    }
    started = 1;
    CALLGRIND_TOGGLE_COLLECT;
    Py_RETURN_NONE;
}

/* stop(): in a run, once, after the candidate's outputs are copied out: stop collecting
 * in this thread. Refused unless started, and refused a second time, so a candidate that
 * stops the count early makes the harness's own stop() fail: the run is then rejected. */
static int stopped = 0;

static PyObject *rs_stop(PyObject *self, PyObject *noargs) {
    if (!started || stopped) {
        PyErr_SetString(PyExc_PermissionError, "the meter was already stopped in this process");
        return NULL;
    }
    stopped = 1;
    CALLGRIND_TOGGLE_COLLECT;
    Py_RETURN_NONE;
}

static int plain_scalar(PyObject *o) {
    return o == Py_None || PyLong_CheckExact(o) || PyFloat_CheckExact(o) || PyUnicode_CheckExact(o)
        || PyBool_Check(o) || PyBytes_CheckExact(o) || PyComplex_CheckExact(o);
}

/* is_plain(obj): True for an exact list, tuple, set or frozenset holding only exact
 * immutable scalars. Runs no Python code (no __iter__, __hash__ or __eq__ of anything),
 * at a few instructions an item: the harness uses it inside the counted region to decide
 * that a shallow copy of an output is a snapshot nothing can change later. */
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

static PyMethodDef methods[] = {
    {"quiet", rs_quiet, METH_NOARGS, "Template, once: zero the counters and stop collecting."},
    {"start", rs_start, METH_NOARGS, "Run, once: start collecting; refuse afterwards."},
    {"is_plain", rs_is_plain, METH_O, "Exact list/tuple/set of exact immutable scalars?"},
    {"stop", rs_stop, METH_NOARGS, "Run, once, after start: stop collecting in this thread."},
    {"on_valgrind", rs_on_valgrind, METH_NOARGS, "Nonzero when running under valgrind."},
    {"set_subreaper", rs_set_subreaper, METH_NOARGS, "Adopt orphaned descendants."},
    {"set_undumpable", rs_set_undumpable, METH_NOARGS, "Forbid ptrace and /proc/pid/mem access."},
    {"perf_open", rs_perf_open, METH_VARARGS, "Open a disabled, inherited instruction counter on pid."},
    {"perf_enable", rs_perf_enable, METH_VARARGS, "Enable a counter."},
    {"perf_read", rs_perf_read, METH_VARARGS, "Read a counter's value."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_rsmeter", NULL, -1, methods};

PyMODINIT_FUNC PyInit__rsmeter(void) { return PyModule_Create(&module); }
